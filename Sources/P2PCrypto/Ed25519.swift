import CSodium

/// Ed25519 signatures (RFC 8032) over libsodium's `crypto_sign_*_detached`.
public enum Ed25519 {
    public static let seedByteCount = 32
    public static let publicKeyByteCount = 32
    public static let signatureByteCount = 64
    static let secretKeyByteCount = 64

    /// An Ed25519 public key: 32 bytes, not secret.
    public struct VerifyingKey: Hashable, Sendable {
        public let rawRepresentation: [UInt8]

        public init(rawRepresentation: [UInt8]) throws(CryptoError) {
            guard rawRepresentation.count == Ed25519.publicKeyByteCount else {
                throw CryptoError(.invalidLength, "Ed25519 public key of \(rawRepresentation.count) bytes")
            }
            self.rawRepresentation = rawRepresentation
        }

        /// Throws ``CryptoError/Code/invalidSignature`` unless `signature` signs `message`.
        public func verify(signature: [UInt8], for message: [UInt8]) throws(CryptoError) {
            guard signature.count == Ed25519.signatureByteCount else {
                throw CryptoError(.invalidSignature, "signature of \(signature.count) bytes")
            }
            Sodium.ensureInitialized()
            let result = signature.withUnsafeBytes { sig in
                message.withUnsafeBytes { msg in
                    rawRepresentation.withUnsafeBytes { key in
                        CSodium_ed25519_verify(sig.baseAddress, msg.baseAddress, msg.count, key.baseAddress)
                    }
                }
            }
            guard result == 0 else { throw CryptoError(.invalidSignature) }
        }

        /// Whether `signature` signs `message`.
        public func isValidSignature(_ signature: [UInt8], for message: [UInt8]) -> Bool {
            (try? verify(signature: signature, for: message)) != nil
        }
    }

    /// An Ed25519 private key (libsodium's 64-byte seed ‖ public key), zeroed on drop.
    public struct SigningKey: Sendable, CustomStringConvertible {
        private let secretKey: SecretBytes
        public let verifyingKey: VerifyingKey

        /// The key derived from a 32-byte seed (RFC 8032's "secret key").
        public init(seed: SecretBytes) throws(CryptoError) {
            guard seed.count == Ed25519.seedByteCount else {
                throw CryptoError(.invalidLength, "Ed25519 seed of \(seed.count) bytes")
            }
            Sodium.ensureInitialized()
            var publicBytes = [UInt8](repeating: 0, count: Ed25519.publicKeyByteCount)
            self.secretKey = SecretBytes(count: Ed25519.secretKeyByteCount) { sk in
                seed.withUnsafeBytes { seedBytes in
                    publicBytes.withUnsafeMutableBytes { pk in
                        _ = CSodium_ed25519_seed_keypair(pk.baseAddress, sk.baseAddress, seedBytes.baseAddress)
                    }
                }
            }
            self.verifyingKey = try VerifyingKey(rawRepresentation: publicBytes)
        }

        /// A fresh key from `random`.
        public init(using random: inout some RandomSource) {
            try! self.init(seed: random.secretBytes(count: Ed25519.seedByteCount))
        }

        /// A fresh key from the system random source.
        public init() {
            var random = SystemRandomSource()
            self.init(using: &random)
        }

        /// The 64-byte signature of `message` (deterministic, RFC 8032).
        public func signature(for message: [UInt8]) -> [UInt8] {
            [UInt8](unsafeUninitializedCapacity: Ed25519.signatureByteCount) { buffer, initialized in
                message.withUnsafeBytes { msg in
                    secretKey.withUnsafeBytes { sk in
                        _ = CSodium_ed25519_sign(buffer.baseAddress, msg.baseAddress, msg.count, sk.baseAddress)
                    }
                }
                initialized = Ed25519.signatureByteCount
            }
        }

        public var description: String { "Ed25519.SigningKey(redacted)" }
    }
}
