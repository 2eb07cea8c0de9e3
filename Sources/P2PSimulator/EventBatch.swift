/// The events of one sink batch, ready for one insert: decoded, copies within the batch dropped
/// (the primary key drops copies across batches), malformed values counted.
public struct EventBatch: Sendable {
    struct Key: Hashable {
        let senderID: String
        let messageID: String
    }

    public private(set) var events: [ReceivedEvent] = []
    /// Values that appeared twice in this batch (kept once).
    public private(set) var duplicates = 0
    /// Values that did not decode.
    public private(set) var malformed = 0
    private var keys: Set<Key> = []

    public init() {}

    /// Adds one record value; returns the decode error of a malformed value (counted and skipped).
    @discardableResult
    public mutating func add(_ value: [UInt8]) -> SimulatorError? {
        let event: ReceivedEvent
        do {
            event = try ReceivedEvent(decoding: value)
        } catch {
            malformed += 1
            return error
        }
        if keys.insert(Key(senderID: event.senderID, messageID: event.messageID)).inserted {
            events.append(event)
        } else {
            duplicates += 1
        }
        return nil
    }

    /// The columns of the insert: sender ids, message ids, send and receive times (µs), latencies (µs).
    var columns: (senders: [String], messages: [String], sent: [Int64], received: [Int64], latencies: [Int64]) {
        (
            events.map(\.senderID), events.map(\.messageID), events.map { Int64(clamping: $0.sendTime) },
            events.map { Int64(clamping: $0.receiveTime) }, events.map(\.latency)
        )
    }
}
