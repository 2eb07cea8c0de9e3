/// Corda's health weighting of redundant sessions (`OutboundSessionPool.getNextSession`,
/// `docs/link-manager.md` §2).
///
/// Each session weighs `w_i = now − lastAck_i` in ms (smaller is healthier). With one session it is
/// used; when all weights are 0 one is picked uniformly; otherwise `r` is drawn uniformly from
/// `[0, (n − 1)·W)` with `W = Σ w_i` and the first `i` whose running sum of `W − w_j` exceeds `r` is
/// picked, so `P(i) = (W − w_i) / ((n − 1)·W)`.
public enum SessionWeighting {
    /// The index of the chosen session among `weights` (non-empty).
    public static func pick(weights: [UInt64], using random: inout some RandomNumberGenerator) -> Int {
        weights.withUnsafeBufferPointer { pick(weights: $0, using: &random) }
    }

    /// As ``pick(weights:using:)``, over weights in caller-owned memory (no allocation).
    static func pick(weights: UnsafeBufferPointer<UInt64>, using random: inout some RandomNumberGenerator) -> Int {
        precondition(!weights.isEmpty, "no session to pick from")
        let n = weights.count
        if n == 1 { return 0 }
        // Weights are bounded by the session timeout (≤ 86 400 000 ms) times ≤ 16 sessions: no overflow.
        let total = weights.reduce(0, +)
        if total == 0 { return Int.random(in: 0..<n, using: &random) }
        let r = UInt64.random(in: 0..<(UInt64(n - 1) * total), using: &random)
        var running: UInt64 = 0
        for (index, weight) in weights.enumerated() {
            running += total - weight
            if running > r { return index }
        }
        return n - 1  // unreachable: the running sum ends at (n − 1)·W > r
    }
}
