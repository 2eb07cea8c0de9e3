import P2PCrypto

/// A plaintext sealed inside a handshake message (`docs/session-protocol.md` §3): the two key hashes,
/// what only this payload carries, the sender's modes and maximum message size, then its signature and
/// finished MAC.
///
/// The two payloads differ only in their type byte, their sender and the initiator's group id; their
/// shared layout is encoded and decoded here, once.
protocol HandshakePayload: Equatable {
    static var type: MessageType { get }
    /// The side that builds, signs and MACs this payload.
    static var sender: SessionRole { get }

    var responderKeyHash: [UInt8] { get set }
    var initiatorKeyHash: [UInt8] { get set }
    var supportedModes: ProtocolModes { get set }
    var maxMessageSize: UInt32 { get set }
    var signature: [UInt8] { get set }
    var finished: [UInt8] { get set }

    /// An empty payload, filled by ``init(encoded:)``.
    init()
    /// Writes what only this payload carries, between the key hashes and the modes.
    func writeOwnFields(_ writer: inout ByteWriter)
    /// Reads and checks what ``writeOwnFields(_:)`` wrote.
    mutating func readOwnFields(_ reader: inout ByteReader) throws(SessionError)
}

extension HandshakePayload {
    static var signatureByteCount: Int { Ed25519.signatureByteCount }
    static var finishedByteCount: Int { HMACSHA256.byteCount }

    /// The encoding up to (not including) the signature: what the signature covers.
    var prefix: [UInt8] {
        var writer = ByteWriter(type: Self.type)
        writer.raw(responderKeyHash)
        writer.raw(initiatorKeyHash)
        writeOwnFields(&writer)
        writer.u8(supportedModes.rawValue)
        writer.u32(maxMessageSize)
        return writer.bytes
    }

    var encoded: [UInt8] { prefix + signature + finished }

    /// A payload to sign and MAC.
    init(responderKeyHash: [UInt8], initiatorKeyHash: [UInt8], supportedModes: ProtocolModes, maxMessageSize: UInt32) {
        self.init()
        self.responderKeyHash = responderKeyHash
        self.initiatorKeyHash = initiatorKeyHash
        self.supportedModes = supportedModes
        self.maxMessageSize = maxMessageSize
    }

    init(encoded: [UInt8]) throws(SessionError) {
        self.init()
        var reader = try ByteReader(encoded, expecting: Self.type)
        responderKeyHash = try reader.raw(SessionLimits.keyHashByteCount)
        initiatorKeyHash = try reader.raw(SessionLimits.keyHashByteCount)
        try readOwnFields(&reader)
        supportedModes = ProtocolModes(rawValue: try reader.u8())
        maxMessageSize = try reader.u32()
        signature = try reader.raw(Self.signatureByteCount)
        finished = try reader.raw(Self.finishedByteCount)
        try reader.finish()
        try Validate.modes(supportedModes, code: .malformedMessage)
    }
}

/// The plaintext inside an ``InitiatorHandshake`` (`docs/session-protocol.md` §3, type 0x13).
struct InitiatorHandshakePayload: HandshakePayload {
    static var type: MessageType { .initiatorHandshakePayload }
    static var sender: SessionRole { .initiator }

    var responderKeyHash: [UInt8] = []
    var initiatorKeyHash: [UInt8] = []
    var groupID = ""
    var supportedModes = ProtocolModes()
    var maxMessageSize: UInt32 = 0
    var signature: [UInt8] = []
    var finished: [UInt8] = []

    init() {}

    init(
        responderKeyHash: [UInt8], initiatorKeyHash: [UInt8], groupID: String, supportedModes: ProtocolModes,
        maxMessageSize: UInt32
    ) {
        self.init(
            responderKeyHash: responderKeyHash, initiatorKeyHash: initiatorKeyHash, supportedModes: supportedModes,
            maxMessageSize: maxMessageSize)
        self.groupID = groupID
    }

    func writeOwnFields(_ writer: inout ByteWriter) { writer.string(groupID) }

    mutating func readOwnFields(_ reader: inout ByteReader) throws(SessionError) {
        groupID = try reader.string(maximum: SessionLimits.maximumGroupIDByteCount)
        try Validate.groupID(groupID, code: .malformedMessage)
    }
}

/// The plaintext inside a ``ResponderHandshake`` (`docs/session-protocol.md` §3, type 0x14).
struct ResponderHandshakePayload: HandshakePayload {
    static var type: MessageType { .responderHandshakePayload }
    static var sender: SessionRole { .responder }

    var responderKeyHash: [UInt8] = []
    var initiatorKeyHash: [UInt8] = []
    /// The responder's full mode set (so the initiator can detect a downgraded selection).
    var supportedModes = ProtocolModes()
    /// The agreed maximum message size.
    var maxMessageSize: UInt32 = 0
    var signature: [UInt8] = []
    var finished: [UInt8] = []

    init() {}

    /// The responder's payload carries nothing of its own.
    func writeOwnFields(_ writer: inout ByteWriter) {}
    mutating func readOwnFields(_ reader: inout ByteReader) throws(SessionError) {}
}
