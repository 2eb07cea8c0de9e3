/// The first handshake message: the initiator's fresh X25519 key, its modes, its identity and group.
public struct InitiatorHello: Hashable, Sendable {
    /// 16 random bytes chosen by the initiator.
    public let sessionID: [UInt8]
    /// The initiator's ephemeral X25519 public key (32 bytes).
    public let ephemeralKey: [UInt8]
    /// The modes the initiator accepts.
    public let supportedModes: ProtocolModes
    /// SHA-256 of the initiator identity's Ed25519 session key (32 bytes).
    public let initiatorKeyHash: [UInt8]
    /// The group (application network) both identities belong to.
    public let groupID: String

    public init(
        sessionID: [UInt8], ephemeralKey: [UInt8], supportedModes: ProtocolModes, initiatorKeyHash: [UInt8],
        groupID: String
    ) throws(SessionError) {
        try Validate.bytes(sessionID, count: SessionLimits.sessionIDByteCount, "session id", code: .malformedMessage)
        try Validate.bytes(
            ephemeralKey, count: SessionLimits.ephemeralKeyByteCount, "ephemeral key", code: .malformedMessage)
        try Validate.modes(supportedModes, code: .malformedMessage)
        try Validate.bytes(
            initiatorKeyHash, count: SessionLimits.keyHashByteCount, "initiator key hash", code: .malformedMessage)
        try Validate.groupID(groupID, code: .malformedMessage)
        self.sessionID = sessionID
        self.ephemeralKey = ephemeralKey
        self.supportedModes = supportedModes
        self.initiatorKeyHash = initiatorKeyHash
        self.groupID = groupID
    }

    /// Decodes the canonical encoding (`docs/session-protocol.md` §3).
    public init(encoded: [UInt8]) throws(SessionError) {
        var reader = try ByteReader(encoded, expecting: .initiatorHello)
        let sessionID = try reader.raw(SessionLimits.sessionIDByteCount)
        let ephemeralKey = try reader.raw(SessionLimits.ephemeralKeyByteCount)
        let modes = ProtocolModes(rawValue: try reader.u8())
        let keyHash = try reader.raw(SessionLimits.keyHashByteCount)
        let groupID = try reader.string(maximum: SessionLimits.maximumGroupIDByteCount)
        try reader.finish()
        try self.init(
            sessionID: sessionID, ephemeralKey: ephemeralKey, supportedModes: modes, initiatorKeyHash: keyHash,
            groupID: groupID)
    }

    /// The canonical encoding: what the frame carries and what enters the transcript.
    public var encoded: [UInt8] {
        var writer = ByteWriter(type: .initiatorHello)
        writer.raw(sessionID)
        writer.raw(ephemeralKey)
        writer.u8(supportedModes.rawValue)
        writer.raw(initiatorKeyHash)
        writer.string(groupID)
        return writer.bytes
    }
}
