/// When the sender's batches are due: a pure value, fed the current time, that says "send this batch
/// now", "wait until", or "finished" (`docs/simulator.md`, Pacing).
///
/// With a rate, message `n` (from 0) is intended to leave at `start + n / rate`; a batch is due when
/// its first message is, and is sent at once when the sender is late. The intended time, not the
/// moment of sending, is the send time carried in the payload, so queueing in a late sender counts as
/// latency (no coordinated omission). Without a rate every batch is due at once and its intended time
/// is the time it is built. Times are microseconds since the Unix epoch.
public struct SendSchedule: Hashable, Sendable {
    public static let maximumRate = 1_000_000.0
    public static let maximumBatchSize = 1000

    public enum Action: Hashable, Sendable {
        /// Send messages `first ..< first + count`, all stamped with `intendedTime`.
        case send(first: Int, count: Int, intendedTime: UInt64)
        /// Nothing is due before this time.
        case wait(until: UInt64)
        /// The count is reached or the duration is over.
        case finished
    }

    public let start: UInt64
    /// Messages per second; `nil` = unpaced.
    public let rate: Double?
    public let batchSize: Int
    /// Messages in total; `nil` = until the duration ends.
    public let count: Int?
    /// No batch is scheduled at or after `start + duration`; `nil` = until the count is reached.
    public let duration: UInt64?
    /// Messages handed out in `send` actions so far.
    public private(set) var scheduled = 0

    public init(start: UInt64, rate: Double?, batchSize: Int, count: Int?, duration: UInt64?) throws(SimulatorError) {
        guard count != nil || duration != nil else { throw SimulatorError(.invalidOption, "give a count, a duration or both") }
        if let count, count < 1 { throw SimulatorError(.invalidOption, "count \(count) < 1") }
        if let duration, duration < 1 { throw SimulatorError(.invalidOption, "duration must be positive") }
        if let rate, !(rate > 0 && rate <= Self.maximumRate) {
            throw SimulatorError(.invalidOption, "rate \(rate) not in (0, \(Int(Self.maximumRate))] messages/s")
        }
        guard (1...Self.maximumBatchSize).contains(batchSize) else {
            throw SimulatorError(.invalidOption, "batch size \(batchSize) not in 1…\(Self.maximumBatchSize)")
        }
        self.start = start
        self.rate = rate
        self.batchSize = batchSize
        self.count = count
        self.duration = duration
    }

    /// When message `n` (from 0) is intended to leave; `start` when unpaced.
    public func intendedTime(ofMessage n: Int) -> UInt64 {
        guard let rate else { return start }
        return start + UInt64((Double(n) * 1_000_000 / rate).rounded(.down))
    }

    /// What to do at `now`.
    public mutating func next(now: UInt64) -> Action {
        var size = batchSize
        if let count {
            guard scheduled < count else { return .finished }
            size = min(size, count - scheduled)
        }
        let due = rate == nil ? max(now, start) : intendedTime(ofMessage: scheduled)
        if let duration, due >= start + duration { return .finished }
        if due > now { return .wait(until: due) }
        defer { scheduled += size }
        return .send(first: scheduled, count: size, intendedTime: due)
    }
}
