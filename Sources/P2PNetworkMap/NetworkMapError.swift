/// A network-map failure: what was refused and why, and where in our code.
///
/// Details never contain key bytes, certificates or payloads: they name the rule that failed.
public struct NetworkMapError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What failed. Numbers are stable (see `docs/error-codes.md`, range 1100–1199).
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: Int
        public let name: String
        private init(_ rawValue: Int, _ name: String) {
            self.rawValue = rawValue
            self.name = name
        }
        public var description: String { "\(name) (\(rawValue))" }

        // Formats and signatures.
        public static let malformedEnvelope = Code(1100, "malformed envelope")
        public static let unsupportedFormatVersion = Code(1101, "unsupported format version")
        public static let malformedPayload = Code(1102, "malformed payload")
        public static let wrongPayloadType = Code(1103, "wrong payload type")
        public static let tooLarge = Code(1104, "too large")
        public static let invalidSignature = Code(1105, "invalid signature")
        public static let untrustedCertificate = Code(1106, "untrusted certificate")
        public static let wrongCertificateRole = Code(1107, "wrong certificate role")
        public static let signerNameMismatch = Code(1108, "signer name mismatch")
        public static let invalidHash = Code(1109, "invalid hash")

        // Publishing.
        public static let staleSerial = Code(1110, "stale serial")
        public static let wrongGroup = Code(1111, "wrong group")
        public static let platformVersionTooLow = Code(1112, "platform version too low")
        public static let hashMismatch = Code(1113, "hash mismatch")
        public static let unknownHash = Code(1114, "unknown hash")
        public static let storageFailed = Code(1115, "storage failed")
        public static let unknownParameters = Code(1116, "unknown parameters")
        public static let mapFull = Code(1117, "map full")
        public static let invalidMember = Code(1118, "invalid member")
        public static let invalidParameters = Code(1119, "invalid network parameters")
        public static let invalidServerHome = Code(1120, "invalid server home")
        public static let epochWentBackwards = Code(1121, "epoch went backwards")

        // HTTP.
        public static let httpFailure = Code(1130, "HTTP failure")
        public static let notFound = Code(1131, "not found")
        public static let methodNotAllowed = Code(1132, "method not allowed")
        public static let signingFailed = Code(1133, "signing failed")
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
        detail.isEmpty ? "NetworkMapError: \(code)" : "NetworkMapError: \(code): \(detail)"
    }

    /// The HTTP status a server answers for this error.
    public var httpStatus: Int {
        switch code {
        case .tooLarge: 413
        case .staleSerial: 409
        case .unknownHash, .notFound: 404
        case .methodNotAllowed: 405
        case .mapFull: 503
        case .storageFailed, .signingFailed, .invalidServerHome: 500
        default: 400
        }
    }

    /// Errors are equal when their codes are: tests assert on codes, not on wording.
    public static func == (lhs: NetworkMapError, rhs: NetworkMapError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
