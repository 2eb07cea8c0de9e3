/// The plaintext the link manager seals into a Data frame (`docs/app-records.md` §3, record `0x10`).
///
/// The frame's `expiry` field is outside the AEAD's associated data (`docs/wire-format.md` §1.1),
/// so the expiry is repeated here, inside the sealed bytes, and ``verify(frameExpiry:)`` checks that
/// the two agree.
public struct SealedDataPayload: Hashable, Sendable {
    /// The `p2p.out` record key, reused for `p2p.in`.
    public var key: [UInt8]
    public var message: AuthenticatedMessage

    public init(key: [UInt8], message: AuthenticatedMessage) {
        self.key = key
        self.message = message
    }

    /// The expiry the frame must carry: the message's TTL, 0 = none.
    public var expiry: UInt64 { message.header.ttl ?? 0 }

    public func encoded(limits: AppRecordLimits = .default) throws(LinkManagerError) -> [UInt8] {
        var writer = RecordWriter(.sealedDataPayload, capacity: 1100 + message.payload.count)
        writer.u64(expiry)
        try writer.lengthPrefixed(key, prefixBytes: 2, 0...AppRecordLimits.maximumKeyLength, "key")
        try message.write(into: &writer, limits: limits, withHeader: true)
        return writer.bytes
    }

    /// Decodes an opened Data payload. The embedded expiry must equal the message's TTL.
    public init(decoding bytes: [UInt8], limits: AppRecordLimits = .default) throws(LinkManagerError) {
        var reader = RecordReader(bytes)
        try self.init(reading: &reader, limits: limits)
    }

    /// Decodes with `cache`: identities seen before are not parsed again.
    public init(decoding bytes: [UInt8], limits: AppRecordLimits = .default, cache: inout IdentityCache) throws(LinkManagerError) {
        self = try RecordReader.reading(bytes, cache: &cache) { (reader) throws(LinkManagerError) in
            try SealedDataPayload(reading: &reader, limits: limits)
        }
    }

    private init(reading reader: inout RecordReader, limits: AppRecordLimits) throws(LinkManagerError) {
        try reader.header(expecting: .sealedDataPayload)
        let expiry = try reader.u64("expiry")
        key = Array(try reader.lengthPrefixed(prefixBytes: 2, 0...AppRecordLimits.maximumKeyLength, "key"))
        message = try AuthenticatedMessage(reading: &reader, limits: limits)
        try reader.finish()
        guard expiry == (message.header.ttl ?? 0) else {
            throw LinkManagerError(.expiryMismatch, "sealed expiry differs from the message's ttl")
        }
    }

    /// Rejects a frame whose unauthenticated `expiry` field differs from the sealed one.
    public func verify(frameExpiry: UInt64) throws(LinkManagerError) {
        guard frameExpiry == expiry else {
            throw LinkManagerError(.expiryMismatch, "the frame's expiry field differs from the sealed expiry")
        }
    }
}

extension AuthenticatedMessage {
    func write(into writer: inout RecordWriter, limits: AppRecordLimits, withHeader: Bool) throws(LinkManagerError) {
        if withHeader {
            writer.u8(AppRecordType.authenticatedMessage.rawValue)
            writer.u8(AppRecordType.version)
        }
        try write(into: &writer, limits: limits)
    }
}
