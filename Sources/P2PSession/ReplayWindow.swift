/// A sliding anti-replay window over sequence numbers (after wireguard-go's `replay/replay.go`).
///
/// A ring of ``blockCount`` 64-bit blocks remembers which of the last ``windowSize`` sequence numbers
/// below the highest one seen were received. Numbers above the highest slide the window forward;
/// numbers within it are accepted once; numbers below it are too old.
public struct ReplayWindow: Sendable, Hashable {
    /// 64-bit blocks in the ring.
    public static let blockCount = 32
    static let blockBits: UInt64 = 64
    /// How far below the highest accepted number a number may be and still be accepted (1 984).
    public static let windowSize: UInt64 = UInt64(blockCount - 1) * blockBits

    /// What the window says about a sequence number.
    public enum Verdict: Sendable, Hashable {
        case accept
        case duplicate
        case tooOld
    }

    private var highest: UInt64 = 0
    private var seenAny = false
    private var ring = [UInt64](repeating: 0, count: ReplayWindow.blockCount)

    public init() {}

    /// Whether `sequenceNumber` would be accepted; does not change the window.
    public func verdict(for sequenceNumber: UInt64) -> Verdict {
        if !seenAny || sequenceNumber > highest { return .accept }
        if highest - sequenceNumber > Self.windowSize { return .tooOld }
        let (block, bit) = Self.position(sequenceNumber)
        return ring[block] & bit == 0 ? .accept : .duplicate
    }

    /// Records `sequenceNumber` if it is acceptable, and returns the verdict it had.
    @discardableResult
    public mutating func record(_ sequenceNumber: UInt64) -> Verdict {
        let verdict = verdict(for: sequenceNumber)
        guard verdict == .accept else { return verdict }
        if !seenAny || sequenceNumber > highest {
            // Clear the blocks the window slides over (all of them after a long jump).
            let newBlock = sequenceNumber / Self.blockBits
            let oldBlock = seenAny ? highest / Self.blockBits : newBlock &- 1
            let steps = min(newBlock &- oldBlock, UInt64(Self.blockCount))
            var index: UInt64 = 1
            while index <= steps {
                ring[Int((oldBlock &+ index) % UInt64(Self.blockCount))] = 0
                index += 1
            }
            highest = sequenceNumber
            seenAny = true
        }
        let (block, bit) = Self.position(sequenceNumber)
        ring[block] |= bit
        return .accept
    }

    /// The highest sequence number recorded, if any.
    public var highestRecorded: UInt64? { seenAny ? highest : nil }

    private static func position(_ sequenceNumber: UInt64) -> (block: Int, bit: UInt64) {
        (Int((sequenceNumber / blockBits) % UInt64(blockCount)), 1 << (sequenceNumber % blockBits))
    }
}
