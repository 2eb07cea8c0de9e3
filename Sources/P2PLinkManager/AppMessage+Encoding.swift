import P2PIdentity

extension AuthenticatedMessage {
    /// The record `0x01` of `docs/app-records.md` §2.
    public func encoded(limits: AppRecordLimits = .default) throws(LinkManagerError) -> [UInt8] {
        var writer = RecordWriter(.authenticatedMessage, capacity: 600 + payload.count)
        try write(into: &writer, limits: limits)
        return writer.bytes
    }

    func write(into writer: inout RecordWriter, limits: AppRecordLimits) throws(LinkManagerError) {
        try writer.identity(header.destination)
        try writer.identity(header.source)
        writer.u64(header.ttl ?? 0)
        try writer.messageID(header.messageID)
        try writer.text(header.traceID ?? "", prefixBytes: 1, 0...AppRecordLimits.maximumTraceIDLength, "trace id")
        try writer.text(header.subsystem, prefixBytes: 1, 0...AppRecordLimits.maximumSubsystemLength, "subsystem")
        try writer.lengthPrefixed(payload, prefixBytes: 4, 0...limits.maximumPayloadLength, "payload")
    }

    public init(decoding bytes: [UInt8], limits: AppRecordLimits = .default) throws(LinkManagerError) {
        var reader = RecordReader(bytes)
        try self.init(reading: &reader, limits: limits)
        try reader.finish()
    }

    /// Decodes with `cache`: identities seen before are not parsed again.
    public init(decoding bytes: [UInt8], limits: AppRecordLimits = .default, cache: inout IdentityCache) throws(LinkManagerError) {
        self = try RecordReader.reading(bytes, cache: &cache) { (reader) throws(LinkManagerError) in
            let message = try AuthenticatedMessage(reading: &reader, limits: limits)
            try reader.finish()
            return message
        }
    }

    init(reading reader: inout RecordReader, limits: AppRecordLimits) throws(LinkManagerError) {
        try reader.header(expecting: .authenticatedMessage)
        let destination = try reader.identity("destination")
        let source = try reader.identity("source")
        let ttl = try reader.u64("ttl")
        let messageID = try reader.messageID()
        let traceID = try reader.text(prefixBytes: 1, 0...AppRecordLimits.maximumTraceIDLength, "trace id")
        let subsystem = try reader.text(prefixBytes: 1, 0...AppRecordLimits.maximumSubsystemLength, "subsystem")
        let payload = try reader.lengthPrefixed(prefixBytes: 4, 0...limits.maximumPayloadLength, "payload")
        self.init(
            header: AuthenticatedMessageHeader(
                destination: destination, source: source, ttl: ttl, messageID: messageID, traceID: traceID,
                subsystem: subsystem),
            payload: Array(payload))
    }
}

extension UnauthenticatedMessage {
    /// The record `0x02` of `docs/app-records.md` §2.
    public func encoded(limits: AppRecordLimits = .default) throws(LinkManagerError) -> [UInt8] {
        var writer = RecordWriter(.unauthenticatedMessage, capacity: 600 + payload.count)
        try writer.identity(header.destination)
        try writer.identity(header.source)
        try writer.messageID(header.messageID)
        try writer.text(header.subsystem, prefixBytes: 1, 0...AppRecordLimits.maximumSubsystemLength, "subsystem")
        try writer.lengthPrefixed(payload, prefixBytes: 4, 0...limits.maximumPayloadLength, "payload")
        return writer.bytes
    }

    public init(decoding bytes: [UInt8], limits: AppRecordLimits = .default) throws(LinkManagerError) {
        var reader = RecordReader(bytes)
        try reader.header(expecting: .unauthenticatedMessage)
        let destination = try reader.identity("destination")
        let source = try reader.identity("source")
        let messageID = try reader.messageID()
        let subsystem = try reader.text(prefixBytes: 1, 0...AppRecordLimits.maximumSubsystemLength, "subsystem")
        let payload = try reader.lengthPrefixed(prefixBytes: 4, 0...limits.maximumPayloadLength, "payload")
        try reader.finish()
        self.init(
            header: UnauthenticatedMessageHeader(
                destination: destination, source: source, messageID: messageID, subsystem: subsystem),
            payload: Array(payload))
    }
}

extension AppMessage {
    /// The record of whichever kind this message is.
    public func encoded(limits: AppRecordLimits = .default) throws(LinkManagerError) -> [UInt8] {
        switch self {
        case .authenticated(let m): try m.encoded(limits: limits)
        case .unauthenticated(let m): try m.encoded(limits: limits)
        }
    }

    /// Decodes a `p2p.out` / `p2p.in` value of either kind, by its type byte.
    public init(decoding bytes: [UInt8], limits: AppRecordLimits = .default) throws(LinkManagerError) {
        switch try AppRecordType.of(bytes) {
        case .authenticatedMessage: self = .authenticated(try AuthenticatedMessage(decoding: bytes, limits: limits))
        case .unauthenticatedMessage: self = .unauthenticated(try UnauthenticatedMessage(decoding: bytes, limits: limits))
        case let other: throw LinkManagerError(.unknownRecordType, "\(other) is not an application message")
        }
    }
}
