/// A primitive that refused its input: which rule, and where in our code it was detected.
///
/// `description` never prints key bytes, nonces or payloads.
public struct CryptoError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What failed. Numbers are stable (see `docs/error-codes.md`, range 300–319).
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: Int
        public let name: String
        private init(_ rawValue: Int, _ name: String) {
            self.rawValue = rawValue
            self.name = name
        }
        public var description: String { "\(name) (\(rawValue))" }

        /// A key, nonce, seed or signature has the wrong number of bytes.
        public static let invalidLength = Code(300, "invalid length")
        /// An AEAD tag or a MAC did not verify: the ciphertext, tag or associated data was changed.
        public static let authenticationFailed = Code(301, "authentication failed")
        /// An Ed25519 signature did not verify under the given public key.
        public static let invalidSignature = Code(302, "invalid signature")
        /// X25519 produced the all-zero shared secret (a low-order peer public key).
        public static let weakPublicKey = Code(303, "weak public key")
        /// The caller-supplied output buffer is smaller than the result.
        public static let outputBufferTooSmall = Code(304, "output buffer too small")
        /// AES-256-GCM was requested on a CPU without AES-NI and PCLMUL.
        public static let algorithmUnavailable = Code(305, "algorithm unavailable")
        /// HKDF-Expand was asked for more than 255 × 32 bytes.
        public static let outputTooLong = Code(306, "output too long")
    }

    public let code: Code
    public let detail: String
    public let file: String
    public let line: Int

    public init(_ code: Code, _ detail: String = "", file: String = #fileID, line: Int = #line) {
        self.code = code
        self.detail = detail
        self.file = file
        self.line = line
    }

    public var description: String {
        detail.isEmpty ? "CryptoError: \(code)" : "CryptoError: \(code): \(detail)"
    }

    /// Errors are equal when their codes are: tests assert on codes, not on wording.
    public static func == (lhs: CryptoError, rhs: CryptoError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
