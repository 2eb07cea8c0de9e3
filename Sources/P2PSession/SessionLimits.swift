/// Protocol constants of the session handshake (`docs/session-protocol.md` §2).
public enum SessionLimits {
    /// The protocol version carried in every canonical encoding.
    public static let protocolVersion: UInt8 = 1
    /// Bytes of a session id, chosen at random by the initiator.
    public static let sessionIDByteCount = 16
    /// Bytes of an identity key hash (SHA-256).
    public static let keyHashByteCount = 32
    /// Bytes of an X25519 ephemeral public key.
    public static let ephemeralKeyByteCount = 32
    /// Longest group id, in UTF-8 bytes.
    public static let maximumGroupIDByteCount = 128
    /// The protocol floor for a proposed maximum message size (Corda's `MIN_PACKET_SIZE`).
    public static let minimumMaxMessageSize = 10_000
    /// The largest maximum message size a side may configure (16 MiB).
    public static let maximumMaxMessageSize = 16 * 1024 * 1024
    /// Longest sealed handshake payload accepted, checked before decryption.
    public static let maximumSealedHandshakeByteCount = 1024
}

/// Limits of one transport session (`docs/session-protocol.md` §6.4).
public enum TransportLimits {
    /// After this many messages sent, ``TransportSession/rekeyNeeded`` is true (WireGuard's proportion).
    public static let rekeyAfterMessages: UInt64 = 1 << 60
    /// After this many payload bytes sent, ``TransportSession/rekeyNeeded`` is true (256 TiB).
    public static let rekeyAfterBytes: UInt64 = 1 << 48
    /// Sequence numbers at or above this are refused on both sides (2^64 − 2^13 − 1).
    public static let rejectAfterMessages: UInt64 = UInt64.max - (1 << 13)
    /// Bytes a sealed message adds to its payload (the tag).
    public static let tagByteCount = 16
}
