/// What the receiver observed about one message: the value of a `p2p.app.received_msg` record, Corda's
/// `MessageReceivedEvent` (`docs/simulator.md`, Records). Type `0x41`, version 1.
public struct ReceivedEvent: Hashable, Sendable {
    public static let type: UInt8 = 0x41
    public static let version: UInt8 = 1
    public static let maximumMessageIDLength = 255
    /// type, version, two counts, three u64: the size of an event without its texts.
    static let fixedLength = 2 + 1 + 1 + 3 * 8

    public var senderID: String
    public var messageID: String
    /// Microseconds since the Unix epoch: the payload's intended send time.
    public var sendTime: UInt64
    /// Microseconds since the Unix epoch: when the receiver polled the message.
    public var receiveTime: UInt64

    public init(senderID: String, messageID: String, sendTime: UInt64, receiveTime: UInt64) {
        self.senderID = senderID
        self.messageID = messageID
        self.sendTime = sendTime
        self.receiveTime = receiveTime
    }

    /// `receiveTime − sendTime` in microseconds; negative only when the two clocks disagree.
    public var latency: Int64 {
        receiveTime >= sendTime ? Int64(clamping: receiveTime - sendTime) : -Int64(clamping: sendTime - receiveTime)
    }

    /// The bus record id `<sender id>/<message id>`: a copy published again within the de-duplication
    /// window is stored once. `nil` when the message id is not printable ASCII or the id would exceed
    /// the bus's 256 bytes (then a republished copy is stored twice, and the sink's key drops it).
    public var recordID: String? {
        let id = "\(senderID)/\(messageID)"
        guard id.utf8.count <= 256, id.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { return nil }
        return id
    }

    public func encoded() throws(SimulatorError) -> [UInt8] {
        guard SimulatorPayload.isValidSenderID(senderID) else { throw SimulatorError(.invalidOption, "sender id '\(senderID)'") }
        let idLength = messageID.utf8.count
        guard (1...Self.maximumMessageIDLength).contains(idLength) else {
            throw SimulatorError(.invalidOption, "message id of \(idLength) bytes not in 1…\(Self.maximumMessageIDLength)")
        }
        var writer = SimulatorRecordWriter(
            type: Self.type, version: Self.version, capacity: Self.fixedLength + senderID.utf8.count + idLength)
        writer.text(senderID)
        writer.text(messageID)
        writer.u64(sendTime)
        writer.u64(receiveTime)
        writer.u64(UInt64(bitPattern: latency))
        return writer.bytes
    }

    public init(decoding bytes: [UInt8]) throws(SimulatorError) {
        var reader = SimulatorRecordReader(bytes, malformed: .malformedEvent)
        try reader.header(type: Self.type, version: Self.version, "received event")
        let senderID = try reader.text(1...SimulatorPayload.maximumSenderIDLength, "sender id")
        guard SimulatorPayload.isValidSenderID(senderID) else { throw SimulatorError(.malformedEvent, "sender id has a character outside A-Z a-z 0-9 - _") }
        let messageID = try reader.text(1...Self.maximumMessageIDLength, "message id")
        let sendTime = try reader.u64("send time")
        let receiveTime = try reader.u64("receive time")
        let latency = Int64(bitPattern: try reader.u64("latency"))
        try reader.finish("received event")
        self.init(senderID: senderID, messageID: messageID, sendTime: sendTime, receiveTime: receiveTime)
        guard latency == self.latency else {
            throw SimulatorError(.malformedEvent, "latency \(latency) µs is not receive time − send time (\(self.latency) µs)")
        }
    }
}
