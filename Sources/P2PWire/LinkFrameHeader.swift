public import NIOCore

/// The fixed 40-byte header of a link frame (offsets 0–39, the length field included).
///
/// Version and flags are not stored: version 1 has exactly one valid value of each (``WireVersion/current``
/// and 0), and the decoder rejects anything else. The header's bytes are the associated data of the
/// session protocol's AEAD: ``bytes(bodyLength:)`` and ``associatedData(sealedPayloadLength:)``
/// produce them before a body is sealed.
public struct LinkFrameHeader: Hashable, Sendable {
    /// The header's size on the wire, the 4-byte length field included.
    public static let size = 40
    /// The size of the length field at offset 0.
    public static let lengthFieldSize = 4
    /// The value of the flags field in version 1.
    public static let flags: UInt16 = 0

    public var type: LinkFrameType
    /// All zero for Unauthenticated frames.
    public var sessionID: SessionID
    public var sequenceNumber: UInt64
    /// Milliseconds since the Unix epoch, set by the sender.
    public var timestamp: UInt64

    public init(type: LinkFrameType, sessionID: SessionID, sequenceNumber: UInt64, timestamp: UInt64) {
        self.type = type
        self.sessionID = sessionID
        self.sequenceNumber = sequenceNumber
        self.timestamp = timestamp
    }

    /// Writes the 40 header bytes of a frame whose body is `bodyLength` bytes long.
    public func encode(bodyLength: Int, into buffer: inout ByteBuffer) {
        precondition(bodyLength >= 0 && bodyLength <= FrameLimits.absoluteMaximumFrameLength)
        buffer.writeMultipleIntegers(
            UInt32(Self.size - Self.lengthFieldSize + bodyLength),
            WireVersion.current,
            type.rawValue,
            Self.flags,
            sessionID.high,
            sessionID.low,
            sequenceNumber,
            timestamp)
    }

    /// The 40 header bytes of a frame whose body is `bodyLength` bytes long.
    public func bytes(bodyLength: Int) -> ByteBuffer {
        var buffer = ByteBufferAllocator().buffer(capacity: Self.size)
        encode(bodyLength: bodyLength, into: &buffer)
        return buffer
    }

    /// The length of a body made of this type's fields around a sealed payload of the given length;
    /// `nil` for types without a sealed payload (the hellos and Unauthenticated).
    public static func bodyLength(type: LinkFrameType, sealedPayloadLength: Int) -> Int? {
        switch type {
        case .data: 8 + 4 + sealedPayloadLength
        case .initiatorHandshake, .responderHandshake, .ack, .heartbeat: 4 + sealedPayloadLength
        case .initiatorHello, .responderHello, .unauthenticated: nil
        }
    }

    /// The AEAD associated data for a frame of this header's type whose sealed payload (ciphertext
    /// and tag) will be `sealedPayloadLength` bytes: the exact 40 bytes the frame will start with.
    ///
    /// Throws ``WireError/Code/unknownFrameType`` for a type without a sealed payload.
    public func associatedData(sealedPayloadLength: Int) throws(WireError) -> ByteBuffer {
        guard let bodyLength = Self.bodyLength(type: type, sealedPayloadLength: sealedPayloadLength) else {
            throw WireError(.unknownFrameType, "\(type) has no sealed payload")
        }
        guard sealedPayloadLength >= 0, Self.size + bodyLength <= FrameLimits.absoluteMaximumFrameLength else {
            throw WireError(.frameTooLarge, "sealed payload of \(sealedPayloadLength) bytes")
        }
        return bytes(bodyLength: bodyLength)
    }
}
