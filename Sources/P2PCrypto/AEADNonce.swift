/// A 96-bit AEAD nonce (RFC 8439 / GCM), stored as its 12 bytes in memory order.
///
/// Transport nonces are `IV XOR sequenceNumber` (the sequence number big-endian in the last 8
/// bytes), built on the stack with ``xoring(sequenceNumber:)``.
public struct AEADNonce: Sendable, Equatable {
    public static let byteCount = 12

    /// Three words whose in-memory bytes are the nonce bytes.
    private var words: (UInt32, UInt32, UInt32)

    /// A nonce from exactly 12 bytes.
    public init(bytes: some Collection<UInt8>) throws(CryptoError) {
        guard bytes.count == Self.byteCount else {
            throw CryptoError(.invalidLength, "nonce of \(bytes.count) bytes")
        }
        words = (0, 0, 0)
        withUnsafeMutableBytes(of: &words) { $0.copyBytes(from: bytes) }
    }

    /// The nonce whose last 8 bytes are XORed with `sequenceNumber` in big-endian order.
    @inline(__always)
    public func xoring(sequenceNumber: UInt64) -> AEADNonce {
        var copy = self
        copy.words.1 ^= UInt32(truncatingIfNeeded: sequenceNumber >> 32).bigEndian
        copy.words.2 ^= UInt32(truncatingIfNeeded: sequenceNumber).bigEndian
        return copy
    }

    /// The 12 bytes, valid only inside `body`.
    @inline(__always)
    public func withUnsafeBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        var copy = words
        return try Swift.withUnsafeBytes(of: &copy) { (raw) throws(E) -> R in try body(raw) }
    }

    /// The 12 bytes as an array (for tests and vectors).
    public var bytes: [UInt8] { withUnsafeBytes { Array($0) } }

    public static func == (lhs: AEADNonce, rhs: AEADNonce) -> Bool {
        lhs.words.0 == rhs.words.0 && lhs.words.1 == rhs.words.1 && lhs.words.2 == rhs.words.2
    }
}
