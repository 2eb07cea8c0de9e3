import CSodium

/// ChaCha20-Poly1305-IETF (RFC 8439 §2.8) over libsodium, sealing into caller-supplied buffers.
///
/// Sealed output is `ciphertext ‖ 16-byte tag`. Sealing and opening in place (output aliasing the
/// input) is allowed. Neither operation allocates.
public enum ChaCha20Poly1305 {
    public static let keyByteCount = 32
    public static let tagByteCount = 16

    /// A 256-bit key, zeroed on drop.
    public struct Key: Sendable, Equatable, CustomStringConvertible {
        let secret: SecretBytes

        public init(_ secret: SecretBytes) throws(CryptoError) {
            try ChaCha20Poly1305.checkKeyLength(secret)
            Sodium.ensureInitialized()
            self.secret = secret
        }

        public var description: String { "ChaCha20Poly1305.Key(redacted)" }
    }

    /// Encrypts `plaintext` and authenticates it with `associatedData`; writes
    /// `plaintext.count + 16` bytes into `output` and returns that count.
    @inline(__always)
    public static func seal(
        _ plaintext: UnsafeRawBufferPointer, associatedData: UnsafeRawBufferPointer,
        nonce: AEADNonce, key: Key, into output: UnsafeMutableRawBufferPointer
    ) throws(CryptoError) -> Int {
        try sealCombined(plaintext, associatedData: associatedData, nonce: nonce, key: key, into: output)
    }

    /// Verifies and decrypts `sealed` (`ciphertext ‖ tag`); writes `sealed.count - 16` bytes into
    /// `output` and returns that count. Throws ``CryptoError/Code/authenticationFailed`` if the
    /// ciphertext, tag, associated data, nonce or key differ from the sealing ones.
    @inline(__always)
    public static func open(
        _ sealed: UnsafeRawBufferPointer, associatedData: UnsafeRawBufferPointer,
        nonce: AEADNonce, key: Key, into output: UnsafeMutableRawBufferPointer
    ) throws(CryptoError) -> Int {
        try openCombined(sealed, associatedData: associatedData, nonce: nonce, key: key, into: output)
    }

    /// Writes into `tag` (at least 16 bytes) the tag ChaCha20-Poly1305 gives an **empty** plaintext
    /// whose associated data is `first ‖ second`, without joining the two. It equals the output of
    /// ``seal(_:associatedData:nonce:key:into:)`` for an empty plaintext and that joined associated
    /// data. Does not allocate. (The AUTHENTICATION_ONLY session mode: header ‖ plaintext payload.)
    @inline(__always)
    public static func authenticationTag(
        associatedData first: UnsafeRawBufferPointer, _ second: UnsafeRawBufferPointer, nonce: AEADNonce, key: Key,
        into tag: UnsafeMutableRawBufferPointer
    ) {
        precondition(tag.count >= tagByteCount, "tag buffer too small")
        nonce.withUnsafeBytes { n in
            key.secret.withUnsafeBytes { k in
                CSodium_chacha20poly1305_tag(
                    tag.baseAddress, first.baseAddress, first.count, second.baseAddress, second.count, n.baseAddress,
                    k.baseAddress)
            }
        }
    }

    /// Array convenience for handshakes and tests (allocates).
    public static func seal(
        _ plaintext: [UInt8], associatedData: [UInt8], nonce: AEADNonce, key: Key
    ) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: plaintext.count + tagByteCount)
        plaintext.withUnsafeBytes { p in
            associatedData.withUnsafeBytes { a in
                output.withUnsafeMutableBytes { o in
                    _ = try! seal(p, associatedData: a, nonce: nonce, key: key, into: o)
                }
            }
        }
        return output
    }

    /// Array convenience for handshakes and tests (allocates).
    public static func open(
        _ sealed: [UInt8], associatedData: [UInt8], nonce: AEADNonce, key: Key
    ) throws(CryptoError) -> [UInt8] {
        guard sealed.count >= tagByteCount else {
            throw CryptoError(.authenticationFailed, "sealed message shorter than the tag")
        }
        var output = [UInt8](repeating: 0, count: sealed.count - tagByteCount)
        var failure: CryptoError?
        sealed.withUnsafeBytes { s in
            associatedData.withUnsafeBytes { a in
                output.withUnsafeMutableBytes { o in
                    do {
                        _ = try open(s, associatedData: a, nonce: nonce, key: key, into: o)
                    } catch {
                        failure = (error as? CryptoError) ?? CryptoError(.authenticationFailed)
                    }
                }
            }
        }
        if let failure { throw failure }
        return output
    }
}

extension ChaCha20Poly1305: SodiumAEAD {
    static var algorithmName: String { "ChaCha20-Poly1305" }
    static var sodiumSeal: SodiumAEADFunction { CSodium_chacha20poly1305_seal }
    static var sodiumOpen: SodiumAEADFunction { CSodium_chacha20poly1305_open }

    @inline(__always)
    static func withKeyPointer<R>(_ key: Key, _ body: (UnsafeRawPointer?) -> R) -> R {
        key.secret.withUnsafeBytes { body($0.baseAddress) }
    }
}
