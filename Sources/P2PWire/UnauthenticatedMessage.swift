public import NIOCore

/// The body of an Unauthenticated frame: a message outside any session (its session id is zero).
///
/// Text fields are UTF-8 `ByteBuffer`s (slices of the input when decoded); the wire layer checks their
/// sizes and encoding, `P2PIdentity` their meaning.
public struct UnauthenticatedMessage: Hashable, Sendable {
    /// Milliseconds since the Unix epoch after which the message is dropped; 0 = none.
    public var expiry: UInt64
    /// The sender's X.500 name, 1 to 1024 bytes.
    public var source: ByteBuffer
    /// The sender's group id, 1 to 128 bytes.
    public var sourceGroupID: ByteBuffer
    /// The receiver's X.500 name, 1 to 1024 bytes.
    public var destination: ByteBuffer
    /// The receiver's group id, 1 to 128 bytes.
    public var destinationGroupID: ByteBuffer
    /// 1 to 255 bytes.
    public var messageID: ByteBuffer
    /// The application subsystem the message is for, 0 to 64 bytes.
    public var subsystem: ByteBuffer
    /// Opaque to this layer.
    public var payload: ByteBuffer

    public init(
        expiry: UInt64, source: ByteBuffer, sourceGroupID: ByteBuffer, destination: ByteBuffer,
        destinationGroupID: ByteBuffer, messageID: ByteBuffer, subsystem: ByteBuffer, payload: ByteBuffer
    ) {
        self.expiry = expiry
        self.source = source
        self.sourceGroupID = sourceGroupID
        self.destination = destination
        self.destinationGroupID = destinationGroupID
        self.messageID = messageID
        self.subsystem = subsystem
        self.payload = payload
    }

    var encodedLength: Int {
        8 + 2 + source.readableBytes + 1 + sourceGroupID.readableBytes + 2 + destination.readableBytes + 1
            + destinationGroupID.readableBytes + 1 + messageID.readableBytes + 1 + subsystem.readableBytes + 4
            + payload.readableBytes
    }
}
