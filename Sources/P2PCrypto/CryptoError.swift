@_exported public import P2PErrors

/// A primitive that refused its input: which rule, and where in our code it was detected.
///
/// `description` never prints key bytes, nonces or payloads.
public typealias CryptoError = CodedError<CryptoErrorDomain>

/// The domain of ``CryptoError``.
public enum CryptoErrorDomain: ErrorDomain {
    public static let name = "CryptoError"
}

/// What can fail. Numbers are stable (see `docs/error-codes.md`, range 300–319).
extension CodedError.Code where Domain == CryptoErrorDomain {
    /// A key, nonce, seed or signature has the wrong number of bytes.
    public static var invalidLength: Self { Self(300, "invalid length") }
    /// An AEAD tag or a MAC did not verify: the ciphertext, tag or associated data was changed.
    public static var authenticationFailed: Self { Self(301, "authentication failed") }
    /// An Ed25519 signature did not verify under the given public key.
    public static var invalidSignature: Self { Self(302, "invalid signature") }
    /// X25519 produced the all-zero shared secret (a low-order peer public key).
    public static var weakPublicKey: Self { Self(303, "weak public key") }
    /// The caller-supplied output buffer is smaller than the result.
    public static var outputBufferTooSmall: Self { Self(304, "output buffer too small") }
    /// AES-256-GCM was requested on a CPU without AES-NI and PCLMUL.
    public static var algorithmUnavailable: Self { Self(305, "algorithm unavailable") }
    /// HKDF-Expand was asked for more than 255 × 32 bytes.
    public static var outputTooLong: Self { Self(306, "output too long") }
}
