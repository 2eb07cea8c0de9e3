/// The second handshake message: the responder's fresh X25519 key and the mode it selected.
public struct ResponderHello: Hashable, Sendable {
    /// The responder's ephemeral X25519 public key (32 bytes).
    public let ephemeralKey: [UInt8]
    /// The strongest mode both sides support.
    public let selectedMode: ProtocolMode

    public init(ephemeralKey: [UInt8], selectedMode: ProtocolMode) throws(SessionError) {
        try Validate.bytes(
            ephemeralKey, count: SessionLimits.ephemeralKeyByteCount, "ephemeral key", code: .malformedMessage)
        self.ephemeralKey = ephemeralKey
        self.selectedMode = selectedMode
    }

    /// Decodes the canonical encoding (`docs/session-protocol.md` §3).
    public init(encoded: [UInt8]) throws(SessionError) {
        var reader = try ByteReader(encoded, expecting: .responderHello)
        let ephemeralKey = try reader.raw(SessionLimits.ephemeralKeyByteCount)
        let modeByte = try reader.u8()
        try reader.finish()
        guard let mode = ProtocolMode(rawValue: modeByte) else {
            throw SessionError(.malformedMessage, "selected mode 0x\(String(modeByte, radix: 16))")
        }
        try self.init(ephemeralKey: ephemeralKey, selectedMode: mode)
    }

    /// The canonical encoding.
    public var encoded: [UInt8] {
        var writer = ByteWriter(type: .responderHello)
        writer.raw(ephemeralKey)
        writer.u8(selectedMode.rawValue)
        return writer.bytes
    }
}
