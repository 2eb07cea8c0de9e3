/// A certificate, key, request or revocation list that could not be made, read or checked.
public struct X509Error: Error, Hashable, Sendable, CustomStringConvertible {
    /// What failed. Numbers are stable (see `docs/error-codes.md`, range 400–439).
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: Int
        public let name: String
        private init(_ rawValue: Int, _ name: String) {
            self.rawValue = rawValue
            self.name = name
        }
        public var description: String { "\(name) (\(rawValue))" }

        public static let keyGenerationFailed = Code(400, "key generation failed")
        public static let unsupportedKeyAlgorithm = Code(401, "unsupported key algorithm")
        public static let invalidPEM = Code(402, "invalid PEM")
        public static let invalidDER = Code(403, "invalid DER")
        public static let encodingFailed = Code(404, "encoding failed")
        public static let invalidName = Code(405, "invalid distinguished name")
        public static let invalidSubjectAlternativeName = Code(406, "invalid subject alternative name")
        public static let signingFailed = Code(407, "signing failed")
        public static let invalidSignature = Code(408, "invalid signature")
        public static let invalidSerialNumber = Code(409, "invalid serial number")
        public static let invalidValidity = Code(410, "invalid validity period")
        public static let extensionFailed = Code(411, "extension could not be built")
        public static let inputTooLarge = Code(412, "input too large")
        public static let notACertificateAuthority = Code(413, "issuer is not a certificate authority")
        public static let chainVerificationFailed = Code(414, "chain verification failed")
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
        detail.isEmpty ? "X509Error: \(code)" : "X509Error: \(code): \(detail)"
    }

    /// Errors are equal when their codes are: tests assert on codes, not on wording.
    public static func == (lhs: X509Error, rhs: X509Error) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
