public import P2PIdentity

/// What the link manager records about one authenticated message in `p2p.out.markers`
/// (`docs/app-records.md` §3, record `0x04`).
public struct DeliveryMarker: Hashable, Sendable {
    public enum Kind: Hashable, Sendable {
        /// The link manager took the message from `p2p.out`: the whole message and its key, so a
        /// worker taking over the partition can replay it.
        case sent(message: AuthenticatedMessage, key: [UInt8])
        /// Acknowledged by the destination's link manager, or delivered locally.
        case delivered
        /// Its TTL passed (or a message without TTL reached the replay limit).
        case ttlExpired

        var rawValue: UInt8 {
            switch self {
            case .sent: 1
            case .delivered: 2
            case .ttlExpired: 3
            }
        }
    }

    public var kind: Kind
    public var source: HoldingIdentity
    public var messageID: MessageID
    /// ms since the Unix epoch.
    public var timestamp: UInt64

    public init(kind: Kind, source: HoldingIdentity, messageID: MessageID, timestamp: UInt64) {
        self.kind = kind
        self.source = source
        self.messageID = messageID
        self.timestamp = timestamp
    }

    /// The sent marker of `message`.
    public static func sent(_ message: AuthenticatedMessage, key: [UInt8], at timestamp: UInt64) -> DeliveryMarker {
        DeliveryMarker(
            kind: .sent(message: message, key: key), source: message.header.source,
            messageID: message.header.messageID, timestamp: timestamp)
    }

    public func encoded(limits: AppRecordLimits = .default) throws(LinkManagerError) -> [UInt8] {
        var writer = RecordWriter(.deliveryMarker, capacity: 300)
        writer.u8(kind.rawValue)
        writer.u64(timestamp)
        try writer.identity(source)
        try writer.messageID(messageID)
        if case .sent(let message, let key) = kind {
            try writer.lengthPrefixed(key, prefixBytes: 2, 0...AppRecordLimits.maximumKeyLength, "key")
            writer.append(try message.encoded(limits: limits))
        }
        return writer.bytes
    }

    public init(decoding bytes: [UInt8], limits: AppRecordLimits = .default) throws(LinkManagerError) {
        var reader = RecordReader(bytes)
        try reader.header(expecting: .deliveryMarker)
        let raw = try reader.u8("kind")
        timestamp = try reader.u64("timestamp")
        source = try reader.identity("source")
        messageID = try reader.messageID()
        switch raw {
        case 1:
            let key = try reader.lengthPrefixed(prefixBytes: 2, 0...AppRecordLimits.maximumKeyLength, "key")
            let message = try AuthenticatedMessage(reading: &reader, limits: limits)
            guard message.header.source == source, message.header.messageID == messageID else {
                throw LinkManagerError(.invalidValue, "the sent message's source or id differs from the marker's")
            }
            kind = .sent(message: message, key: Array(key))
        case 2: kind = .delivered
        case 3: kind = .ttlExpired
        default: throw LinkManagerError(.invalidValue, "marker kind \(raw)")
        }
        try reader.finish()
    }
}
