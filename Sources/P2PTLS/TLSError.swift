/// Why a TLS connection failed. Each failure closes the connection and is logged with its code.
public struct TLSError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What failed. Numbers are stable (see `docs/error-codes.md`, range 440–499).
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: Int
        public let name: String
        private init(_ rawValue: Int, _ name: String) {
            self.rawValue = rawValue
            self.name = name
        }
        public var description: String { "\(name) (\(rawValue))" }

        public static let invalidConfiguration = Code(440, "invalid TLS configuration")
        public static let handshakeFailed = Code(441, "handshake failed")
        public static let handshakeTimeout = Code(442, "handshake timed out")
        public static let certificateExpired = Code(443, "peer certificate expired or not yet valid")
        public static let hostnameMismatch = Code(444, "peer certificate does not match the host name")
        public static let untrustedCertificate = Code(445, "peer certificate not issued by a trusted root")
        public static let certificateRejected = Code(446, "peer certificate rejected")
        public static let peerCertificateRequired = Code(447, "peer sent no certificate")
        public static let certificateRevoked = Code(448, "peer certificate revoked")
        public static let revocationStatusUnavailable = Code(449, "revocation status unavailable")
        public static let plaintextHTTP = Code(450, "plaintext HTTP sent to a TLS port")
        public static let notTLS = Code(451, "bytes received are not TLS")
        public static let protocolVersion = Code(452, "no common protocol version")
        public static let peerAlert = Code(453, "peer sent a fatal alert")
        public static let uncleanShutdown = Code(454, "connection closed without close_notify")
        public static let eofDuringHandshake = Code(455, "connection closed during the handshake")
        public static let closeTimeout = Code(456, "peer did not answer close_notify in time")
        public static let readFailed = Code(457, "decrypting a record failed")
        public static let writeFailed = Code(458, "encrypting a record failed")
        public static let noForwardProgress = Code(459, "no forward progress")
        public static let writeAfterClose = Code(460, "write on a closed TLS connection")
        public static let peerCertificateRejectedUs = Code(461, "peer rejected our certificate")
    }

    public let code: Code
    /// OpenSSL's reason, or what we saw; never key bytes, certificates or payloads.
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
        detail.isEmpty ? "TLSError: \(code)" : "TLSError: \(code): \(detail)"
    }

    /// Errors are equal when their codes are: tests assert on codes, not on wording.
    public static func == (lhs: TLSError, rhs: TLSError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
