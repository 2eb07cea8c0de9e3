import CSodium

/// X25519 Diffie-Hellman (RFC 7748) over libsodium's `crypto_scalarmult`.
public enum X25519 {
    /// Size of a public key, a private key and a shared secret.
    public static let keyByteCount = 32

    /// An X25519 public key: 32 bytes, not secret.
    public struct PublicKey: Hashable, Sendable {
        public let rawRepresentation: [UInt8]

        public init(rawRepresentation: [UInt8]) throws(CryptoError) {
            guard rawRepresentation.count == X25519.keyByteCount else {
                throw CryptoError(.invalidLength, "X25519 public key of \(rawRepresentation.count) bytes")
            }
            self.rawRepresentation = rawRepresentation
        }
    }

    /// An X25519 private key, owned and zeroed on drop by its ``SecretBytes``.
    public struct PrivateKey: Sendable, CustomStringConvertible {
        private let secret: SecretBytes
        /// The matching public key (`X25519(k, 9)`).
        public let publicKey: PublicKey

        /// A fresh key from `random`.
        public init(using random: inout some RandomSource) {
            // 32 random bytes are a valid scalar: X25519 clamps them itself.
            try! self.init(secret: random.secretBytes(count: X25519.keyByteCount))
        }

        /// A fresh key from the system random source.
        public init() {
            var random = SystemRandomSource()
            self.init(using: &random)
        }

        /// The key whose scalar is `secret` (32 bytes).
        public init(secret: SecretBytes) throws(CryptoError) {
            guard secret.count == X25519.keyByteCount else {
                throw CryptoError(.invalidLength, "X25519 private key of \(secret.count) bytes")
            }
            Sodium.ensureInitialized()
            self.secret = secret
            var publicBytes = [UInt8](repeating: 0, count: X25519.keyByteCount)
            let result = secret.withUnsafeBytes { scalar in
                publicBytes.withUnsafeMutableBytes { CSodium_x25519_base($0.baseAddress, scalar.baseAddress) }
            }
            guard result == 0 else { throw CryptoError(.weakPublicKey, "X25519 base-point multiplication failed") }
            self.publicKey = try PublicKey(rawRepresentation: publicBytes)
        }

        /// The shared secret with `peer`. Rejects low-order points (an all-zero result).
        public func sharedSecret(with peer: PublicKey) throws(CryptoError) -> SecretBytes {
            var failed = false
            let shared = SecretBytes(count: X25519.keyByteCount) { out in
                secret.withUnsafeBytes { scalar in
                    peer.rawRepresentation.withUnsafeBytes { point in
                        failed = CSodium_x25519(out.baseAddress, scalar.baseAddress, point.baseAddress) != 0
                    }
                }
            }
            guard !failed else { throw CryptoError(.weakPublicKey, "X25519 result is all zero") }
            return shared
        }

        public var description: String { "X25519.PrivateKey(redacted)" }
    }
}
