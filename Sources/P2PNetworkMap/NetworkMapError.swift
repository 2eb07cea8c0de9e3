@_exported public import P2PErrors

/// A network-map failure: what was refused and why, and where in our code.
///
/// Details never contain key bytes, certificates or payloads: they name the rule that failed.
public typealias NetworkMapError = CodedError<NetworkMapErrorDomain>

/// The domain of ``NetworkMapError``.
public enum NetworkMapErrorDomain: ErrorDomain {
    public static let name = "NetworkMapError"
}

/// What can fail. Numbers are stable (see `docs/error-codes.md`, range 1100–1199).
extension CodedError.Code where Domain == NetworkMapErrorDomain {
    // Formats and signatures.
    public static var malformedEnvelope: Self { Self(1100, "malformed envelope") }
    public static var unsupportedFormatVersion: Self { Self(1101, "unsupported format version") }
    public static var malformedPayload: Self { Self(1102, "malformed payload") }
    public static var wrongPayloadType: Self { Self(1103, "wrong payload type") }
    public static var tooLarge: Self { Self(1104, "too large") }
    public static var invalidSignature: Self { Self(1105, "invalid signature") }
    public static var untrustedCertificate: Self { Self(1106, "untrusted certificate") }
    public static var wrongCertificateRole: Self { Self(1107, "wrong certificate role") }
    public static var signerNameMismatch: Self { Self(1108, "signer name mismatch") }
    public static var invalidHash: Self { Self(1109, "invalid hash") }

    // Publishing.
    public static var staleSerial: Self { Self(1110, "stale serial") }
    public static var wrongGroup: Self { Self(1111, "wrong group") }
    public static var platformVersionTooLow: Self { Self(1112, "platform version too low") }
    public static var hashMismatch: Self { Self(1113, "hash mismatch") }
    public static var unknownHash: Self { Self(1114, "unknown hash") }
    public static var storageFailed: Self { Self(1115, "storage failed") }
    public static var unknownParameters: Self { Self(1116, "unknown parameters") }
    public static var mapFull: Self { Self(1117, "map full") }
    public static var invalidMember: Self { Self(1118, "invalid member") }
    public static var invalidParameters: Self { Self(1119, "invalid network parameters") }
    public static var invalidServerHome: Self { Self(1120, "invalid server home") }
    public static var epochWentBackwards: Self { Self(1121, "epoch went backwards") }

    // HTTP.
    public static var httpFailure: Self { Self(1130, "HTTP failure") }
    public static var notFound: Self { Self(1131, "not found") }
    public static var methodNotAllowed: Self { Self(1132, "method not allowed") }
    public static var signingFailed: Self { Self(1133, "signing failed") }
}

extension CodedError where Domain == NetworkMapErrorDomain {
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
}
