/// What `p2p simulator summary` prints: rows and latency percentiles (µs), computed by PostgreSQL
/// (`percentile_cont`).
public struct LatencySummary: Hashable, Sendable, CustomStringConvertible {
    public var count: Int
    public var minimum: Int64?
    public var maximum: Int64?
    public var p50: Double?
    public var p90: Double?
    public var p99: Double?
    public var p999: Double?
    /// Messages in `sent_messages` (recorded by senders run with a database), and those of them
    /// with no row in `received_messages`.
    public var sent = 0
    public var undelivered = 0

    public init(count: Int, minimum: Int64?, maximum: Int64?, p50: Double?, p90: Double?, p99: Double?, p999: Double?) {
        self.count = count
        self.minimum = minimum
        self.maximum = maximum
        self.p50 = p50
        self.p90 = p90
        self.p99 = p99
        self.p999 = p999
    }

    /// `40 messages, latency ms: min 1.204 p50 3.100 p90 … max 9.870`, then `; 40 sent, 0 undelivered`
    /// when senders recorded what they sent.
    public var description: String {
        let recorded = sent > 0 ? "; \(sent) sent, \(undelivered) undelivered" : ""
        guard count > 0, let minimum, let maximum, let p50, let p90, let p99, let p999 else { return "\(count) messages\(recorded)" }
        func ms(_ micros: Double) -> String {
            let thousandths = Int64((micros).rounded())
            let sign = thousandths < 0 ? "-" : ""
            let magnitude = thousandths.magnitude
            let fraction = String(magnitude % 1000)
            return "\(sign)\(magnitude / 1000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction)"
        }
        return "\(count) messages, latency ms: min \(ms(Double(minimum))) p50 \(ms(p50)) p90 \(ms(p90)) p99 \(ms(p99)) "
            + "p99.9 \(ms(p999)) max \(ms(Double(maximum)))\(recorded)"
    }
}
