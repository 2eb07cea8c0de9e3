@_exported public import P2PErrors

/// A certificate, key, request or revocation list that could not be made, read or checked.
public typealias X509Error = CodedError<X509ErrorDomain>

/// The domain of ``X509Error``.
public enum X509ErrorDomain: ErrorDomain {
    public static let name = "X509Error"
}

/// What can fail. Numbers are stable (see `docs/error-codes.md`, range 400–439).
extension CodedError.Code where Domain == X509ErrorDomain {
    public static var keyGenerationFailed: Self { Self(400, "key generation failed") }
    public static var unsupportedKeyAlgorithm: Self { Self(401, "unsupported key algorithm") }
    public static var invalidPEM: Self { Self(402, "invalid PEM") }
    public static var invalidDER: Self { Self(403, "invalid DER") }
    public static var encodingFailed: Self { Self(404, "encoding failed") }
    public static var invalidName: Self { Self(405, "invalid distinguished name") }
    public static var invalidSubjectAlternativeName: Self { Self(406, "invalid subject alternative name") }
    public static var signingFailed: Self { Self(407, "signing failed") }
    public static var invalidSignature: Self { Self(408, "invalid signature") }
    public static var invalidSerialNumber: Self { Self(409, "invalid serial number") }
    public static var invalidValidity: Self { Self(410, "invalid validity period") }
    public static var extensionFailed: Self { Self(411, "extension could not be built") }
    public static var inputTooLarge: Self { Self(412, "input too large") }
    public static var notACertificateAuthority: Self { Self(413, "issuer is not a certificate authority") }
    public static var chainVerificationFailed: Self { Self(414, "chain verification failed") }
}
