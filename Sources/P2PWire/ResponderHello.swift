public import NIOCore

/// The body of a ResponderHello frame: the responder's ephemeral key and the mode it selected.
public struct ResponderHello: Hashable, Sendable {
    /// The responder's ephemeral X25519 public key: 32 bytes.
    public var ephemeralPublicKey: ByteBuffer
    public var selectedMode: ProtocolMode

    public init(ephemeralPublicKey: ByteBuffer, selectedMode: ProtocolMode) {
        self.ephemeralPublicKey = ephemeralPublicKey
        self.selectedMode = selectedMode
    }

    var encodedLength: Int { FrameLimits.publicKeyLength + 1 }
}
