public import P2PIdentity

/// The final outcome of one authenticated message, for the application that sent it
/// (`docs/app-records.md` §2, record `0x03`). A message gets at most one.
public struct DeliveryStatus: Hashable, Sendable {
    public enum Status: UInt8, Hashable, Sendable, CaseIterable {
        /// The destination's link manager acknowledged the message.
        case delivered = 1
        /// Source and destination are hosted in the same cluster: written to `p2p.in` directly.
        case deliveredLocally = 2
        /// Its TTL passed before an acknowledgement.
        case expired = 3
        /// A message without TTL reached `TrackerLimits.maximumReplaysWithoutTTL`.
        case replayLimitReached = 4

        public var isDelivered: Bool { self == .delivered || self == .deliveredLocally }
    }

    public var status: Status
    public var source: HoldingIdentity
    public var destination: HoldingIdentity
    public var messageID: MessageID
    /// When the link manager decided, ms since the Unix epoch.
    public var timestamp: UInt64

    public init(status: Status, source: HoldingIdentity, destination: HoldingIdentity, messageID: MessageID, timestamp: UInt64) {
        self.status = status
        self.source = source
        self.destination = destination
        self.messageID = messageID
        self.timestamp = timestamp
    }

    public func encoded() throws(LinkManagerError) -> [UInt8] {
        var writer = RecordWriter(.deliveryStatus, capacity: 400)
        writer.u8(status.rawValue)
        try writer.identity(source)
        try writer.identity(destination)
        try writer.messageID(messageID)
        writer.u64(timestamp)
        return writer.bytes
    }

    public init(decoding bytes: [UInt8]) throws(LinkManagerError) {
        var reader = RecordReader(bytes)
        try reader.header(expecting: .deliveryStatus)
        let raw = try reader.u8("status")
        guard let status = Status(rawValue: raw) else { throw LinkManagerError(.invalidValue, "status \(raw)") }
        self.status = status
        source = try reader.identity("source")
        destination = try reader.identity("destination")
        messageID = try reader.messageID()
        timestamp = try reader.u64("timestamp")
        try reader.finish()
    }
}
