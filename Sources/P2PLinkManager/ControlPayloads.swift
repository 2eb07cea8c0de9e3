public import P2PIdentity

/// The plaintext of an Ack frame (`docs/app-records.md` §3, record `0x11`): message ids received on a
/// session and, optionally, a heartbeat.
public struct AckPayload: Hashable, Sendable {
    /// 200 ids of 255 bytes fit the wire format's 64 KiB control payload with room for the tag.
    public static let maximumMessageIDs = 200

    public var messageIDs: [MessageID]
    /// The sequence of the acknowledged heartbeat, if any.
    public var heartbeat: UInt64?

    /// Throws `fieldTooLarge` above ``maximumMessageIDs`` and `fieldTooShort` when empty.
    public init(messageIDs: [MessageID], heartbeat: UInt64? = nil) throws(LinkManagerError) {
        guard messageIDs.count <= Self.maximumMessageIDs else {
            throw LinkManagerError(.fieldTooLarge, "\(messageIDs.count) message ids > \(Self.maximumMessageIDs)")
        }
        guard !messageIDs.isEmpty || heartbeat != nil else {
            throw LinkManagerError(.fieldTooShort, "an ack acknowledges at least one message or a heartbeat")
        }
        self.messageIDs = messageIDs
        self.heartbeat = heartbeat
    }

    public func encoded() throws(LinkManagerError) -> [UInt8] {
        var writer = RecordWriter(.ackPayload, capacity: 13 + 40 * messageIDs.count)
        writer.u8(heartbeat == nil ? 0 : 1)
        writer.u64(heartbeat ?? 0)
        writer.u16(messageIDs.count)
        for id in messageIDs { try writer.messageID(id) }
        return writer.bytes
    }

    public init(decoding bytes: [UInt8]) throws(LinkManagerError) {
        var reader = RecordReader(bytes)
        try reader.header(expecting: .ackPayload)
        let flags = try reader.u8("flags")
        guard flags & ~1 == 0 else { throw LinkManagerError(.invalidValue, "reserved ack flags set") }
        let heartbeat = try reader.u64("heartbeat")
        guard flags & 1 == 1 || heartbeat == 0 else {
            throw LinkManagerError(.invalidValue, "a heartbeat sequence without the heartbeat flag")
        }
        let count = try reader.u16("count")
        guard count <= Self.maximumMessageIDs else {
            throw LinkManagerError(.fieldTooLarge, "\(count) message ids > \(Self.maximumMessageIDs)")
        }
        // Each id takes at least 2 bytes: a count beyond what is left is truncated before reserving.
        guard count * 2 <= reader.remaining else { throw LinkManagerError(.truncated, "\(count) message ids") }
        var ids: [MessageID] = []
        ids.reserveCapacity(count)
        for _ in 0..<count { ids.append(try reader.messageID()) }
        try reader.finish()
        try self.init(messageIDs: ids, heartbeat: flags & 1 == 1 ? heartbeat : nil)
    }
}

/// The plaintext of a Heartbeat frame (`docs/app-records.md` §3, record `0x12`).
public struct HeartbeatPayload: Hashable, Sendable {
    /// Per session, from 1.
    public var sequence: UInt64
    /// ms since the Unix epoch.
    public var sentAt: UInt64

    public init(sequence: UInt64, sentAt: UInt64) {
        self.sequence = sequence
        self.sentAt = sentAt
    }

    public func encoded() -> [UInt8] {
        var writer = RecordWriter(.heartbeatPayload, capacity: 18)
        writer.u64(sequence)
        writer.u64(sentAt)
        return writer.bytes
    }

    public init(decoding bytes: [UInt8]) throws(LinkManagerError) {
        var reader = RecordReader(bytes)
        try reader.header(expecting: .heartbeatPayload)
        sequence = try reader.u64("sequence")
        sentAt = try reader.u64("sent at")
        try reader.finish()
    }
}
