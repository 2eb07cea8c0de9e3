import P2PCrypto

/// The plaintext inside an ``InitiatorHandshake`` (`docs/session-protocol.md` §3, type 0x13).
struct InitiatorHandshakePayload: Equatable {
    static let signatureByteCount = Ed25519.signatureByteCount
    static let finishedByteCount = HMACSHA256.byteCount

    var responderKeyHash: [UInt8]
    var initiatorKeyHash: [UInt8]
    var groupID: String
    var supportedModes: ProtocolModes
    var maxMessageSize: UInt32
    var signature: [UInt8] = []
    var finished: [UInt8] = []

    /// The encoding up to (not including) the signature: what the signature covers.
    var prefix: [UInt8] {
        var writer = ByteWriter(type: .initiatorHandshakePayload)
        writer.raw(responderKeyHash)
        writer.raw(initiatorKeyHash)
        writer.string(groupID)
        writer.u8(supportedModes.rawValue)
        writer.u32(maxMessageSize)
        return writer.bytes
    }

    var encoded: [UInt8] { prefix + signature + finished }

    init(
        responderKeyHash: [UInt8], initiatorKeyHash: [UInt8], groupID: String, supportedModes: ProtocolModes,
        maxMessageSize: UInt32
    ) {
        self.responderKeyHash = responderKeyHash
        self.initiatorKeyHash = initiatorKeyHash
        self.groupID = groupID
        self.supportedModes = supportedModes
        self.maxMessageSize = maxMessageSize
    }

    init(encoded: [UInt8]) throws(SessionError) {
        var reader = try ByteReader(encoded, expecting: .initiatorHandshakePayload)
        responderKeyHash = try reader.raw(SessionLimits.keyHashByteCount)
        initiatorKeyHash = try reader.raw(SessionLimits.keyHashByteCount)
        groupID = try reader.string(maximum: SessionLimits.maximumGroupIDByteCount)
        supportedModes = ProtocolModes(rawValue: try reader.u8())
        maxMessageSize = try reader.u32()
        signature = try reader.raw(Self.signatureByteCount)
        finished = try reader.raw(Self.finishedByteCount)
        try reader.finish()
        try Validate.groupID(groupID, code: .malformedMessage)
        try Validate.modes(supportedModes, code: .malformedMessage)
    }
}

/// The plaintext inside a ``ResponderHandshake`` (`docs/session-protocol.md` §3, type 0x14).
struct ResponderHandshakePayload: Equatable {
    var responderKeyHash: [UInt8]
    var initiatorKeyHash: [UInt8]
    /// The responder's full mode set (so the initiator can detect a downgraded selection).
    var supportedModes: ProtocolModes
    /// The agreed maximum message size.
    var maxMessageSize: UInt32
    var signature: [UInt8] = []
    var finished: [UInt8] = []

    var prefix: [UInt8] {
        var writer = ByteWriter(type: .responderHandshakePayload)
        writer.raw(responderKeyHash)
        writer.raw(initiatorKeyHash)
        writer.u8(supportedModes.rawValue)
        writer.u32(maxMessageSize)
        return writer.bytes
    }

    var encoded: [UInt8] { prefix + signature + finished }

    init(responderKeyHash: [UInt8], initiatorKeyHash: [UInt8], supportedModes: ProtocolModes, maxMessageSize: UInt32) {
        self.responderKeyHash = responderKeyHash
        self.initiatorKeyHash = initiatorKeyHash
        self.supportedModes = supportedModes
        self.maxMessageSize = maxMessageSize
    }

    init(encoded: [UInt8]) throws(SessionError) {
        var reader = try ByteReader(encoded, expecting: .responderHandshakePayload)
        responderKeyHash = try reader.raw(SessionLimits.keyHashByteCount)
        initiatorKeyHash = try reader.raw(SessionLimits.keyHashByteCount)
        supportedModes = ProtocolModes(rawValue: try reader.u8())
        maxMessageSize = try reader.u32()
        signature = try reader.raw(InitiatorHandshakePayload.signatureByteCount)
        finished = try reader.raw(InitiatorHandshakePayload.finishedByteCount)
        try reader.finish()
        try Validate.modes(supportedModes, code: .malformedMessage)
    }
}
