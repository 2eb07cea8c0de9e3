public import NIOCore

/// The body of an InitiatorHello frame: the first, clear-text message of a session handshake.
///
/// Fields are `ByteBuffer`s: slices of the input when decoded. ``LinkFrame/init(sessionID:sequenceNumber:timestamp:body:limits:)``
/// checks their sizes and encoding.
public struct InitiatorHello: Hashable, Sendable {
    /// The initiator's ephemeral X25519 public key: 32 bytes.
    public var ephemeralPublicKey: ByteBuffer
    /// The modes the initiator accepts: non-empty, known modes only.
    public var supportedModes: ProtocolModes
    /// SHA-256 of the initiator's identity session key: 32 bytes.
    public var identityKeyHash: ByteBuffer
    /// The group id, UTF-8, 1 to 128 bytes.
    public var groupID: ByteBuffer

    public init(
        ephemeralPublicKey: ByteBuffer, supportedModes: ProtocolModes, identityKeyHash: ByteBuffer,
        groupID: ByteBuffer
    ) {
        self.ephemeralPublicKey = ephemeralPublicKey
        self.supportedModes = supportedModes
        self.identityKeyHash = identityKeyHash
        self.groupID = groupID
    }

    var encodedLength: Int { FrameLimits.publicKeyLength + 1 + FrameLimits.identityKeyHashLength + 1 + groupID.readableBytes }
}
