@_exported public import P2PErrors

/// Why a TLS connection failed. Each failure closes the connection and is logged with its code.
public typealias TLSError = CodedError<TLSErrorDomain>

/// The domain of ``TLSError``.
public enum TLSErrorDomain: ErrorDomain {
    public static let name = "TLSError"
}

/// What can fail. Numbers are stable (see `docs/error-codes.md`, range 440–499).
extension CodedError.Code where Domain == TLSErrorDomain {
    public static var invalidConfiguration: Self { Self(440, "invalid TLS configuration") }
    public static var handshakeFailed: Self { Self(441, "handshake failed") }
    public static var handshakeTimeout: Self { Self(442, "handshake timed out") }
    public static var certificateExpired: Self { Self(443, "peer certificate expired or not yet valid") }
    public static var hostnameMismatch: Self { Self(444, "peer certificate does not match the host name") }
    public static var untrustedCertificate: Self { Self(445, "peer certificate not issued by a trusted root") }
    public static var certificateRejected: Self { Self(446, "peer certificate rejected") }
    public static var peerCertificateRequired: Self { Self(447, "peer sent no certificate") }
    public static var certificateRevoked: Self { Self(448, "peer certificate revoked") }
    public static var revocationStatusUnavailable: Self { Self(449, "revocation status unavailable") }
    public static var plaintextHTTP: Self { Self(450, "plaintext HTTP sent to a TLS port") }
    public static var notTLS: Self { Self(451, "bytes received are not TLS") }
    public static var protocolVersion: Self { Self(452, "no common protocol version") }
    public static var peerAlert: Self { Self(453, "peer sent a fatal alert") }
    public static var uncleanShutdown: Self { Self(454, "connection closed without close_notify") }
    public static var eofDuringHandshake: Self { Self(455, "connection closed during the handshake") }
    public static var closeTimeout: Self { Self(456, "peer did not answer close_notify in time") }
    public static var readFailed: Self { Self(457, "decrypting a record failed") }
    public static var writeFailed: Self { Self(458, "encrypting a record failed") }
    public static var noForwardProgress: Self { Self(459, "no forward progress") }
    public static var writeAfterClose: Self { Self(460, "write on a closed TLS connection") }
    public static var peerCertificateRejectedUs: Self { Self(461, "peer rejected our certificate") }
}
