/// The third handshake message: the initiator's handshake payload, sealed under the initiator handshake key.
public struct InitiatorHandshake: Hashable, Sendable {
    /// `ciphertext ‖ 16-byte tag` of the InitiatorHandshakePayload encoding.
    public let sealed: [UInt8]

    public init(sealed: [UInt8]) throws(SessionError) {
        try SealedHandshakeBounds.check(sealed)
        self.sealed = sealed
    }

    public init(encoded: [UInt8]) throws(SessionError) {
        var reader = try ByteReader(encoded, expecting: .initiatorHandshake)
        let sealed = try SealedHandshakeBounds.read(&reader)
        try reader.finish()
        try self.init(sealed: sealed)
    }

    public var encoded: [UInt8] { SealedHandshakeBounds.encode(.initiatorHandshake, sealed) }
}

/// The fourth handshake message: the responder's handshake payload, sealed under the responder handshake key.
public struct ResponderHandshake: Hashable, Sendable {
    /// `ciphertext ‖ 16-byte tag` of the ResponderHandshakePayload encoding.
    public let sealed: [UInt8]

    public init(sealed: [UInt8]) throws(SessionError) {
        try SealedHandshakeBounds.check(sealed)
        self.sealed = sealed
    }

    public init(encoded: [UInt8]) throws(SessionError) {
        var reader = try ByteReader(encoded, expecting: .responderHandshake)
        let sealed = try SealedHandshakeBounds.read(&reader)
        try reader.finish()
        try self.init(sealed: sealed)
    }

    public var encoded: [UInt8] { SealedHandshakeBounds.encode(.responderHandshake, sealed) }
}

enum SealedHandshakeBounds {
    static func check(_ sealed: [UInt8]) throws(SessionError) {
        guard sealed.count >= TransportLimits.tagByteCount,
            sealed.count <= SessionLimits.maximumSealedHandshakeByteCount
        else { throw SessionError(.malformedMessage, "sealed handshake of \(sealed.count) bytes") }
    }

    static func read(_ reader: inout ByteReader) throws(SessionError) -> [UInt8] {
        let count = Int(try reader.u32())
        guard count <= SessionLimits.maximumSealedHandshakeByteCount else {
            throw SessionError(.malformedMessage, "sealed handshake of \(count) bytes")
        }
        return try reader.raw(count)
    }

    static func encode(_ type: MessageType, _ sealed: [UInt8]) -> [UInt8] {
        var writer = ByteWriter(type: type, capacity: sealed.count + 6)
        writer.u32(UInt32(sealed.count))
        writer.raw(sealed)
        return writer.bytes
    }
}
