/// The libsodium shims' signature for combined-mode AEAD encryption and decryption (`CSodium.h`):
/// `(output, input, inputCount, associatedData, associatedDataCount, nonce, key) -> status`.
typealias SodiumAEADFunction = @convention(c) (
    UnsafeMutableRawPointer?, UnsafeRawPointer?, Int, UnsafeRawPointer?, Int, UnsafeRawPointer?, UnsafeRawPointer?
) -> Int32

/// A libsodium AEAD that seals `ciphertext ‖ tag` into caller-supplied buffers.
///
/// ``ChaCha20Poly1305`` and ``AES256GCM`` name only their sizes, their libsodium calls and what they
/// pass as the key; the bounds checks and the buffer plumbing are here, once. Nothing here allocates.
protocol SodiumAEAD {
    associatedtype Key
    /// The name in errors, e.g. `ChaCha20-Poly1305`.
    static var algorithmName: String { get }
    static var keyByteCount: Int { get }
    static var tagByteCount: Int { get }
    static var sodiumSeal: SodiumAEADFunction { get }
    static var sodiumOpen: SodiumAEADFunction { get }
    /// Runs `body` with what libsodium takes as the key: the key bytes or an expanded key state.
    static func withKeyPointer<R>(_ key: Key, _ body: (UnsafeRawPointer?) -> R) -> R
}

extension SodiumAEAD {
    /// Encrypts and authenticates `plaintext`; writes `plaintext.count + tagByteCount` bytes into `output`.
    @inline(__always)
    static func sealCombined(
        _ plaintext: UnsafeRawBufferPointer, associatedData: UnsafeRawBufferPointer, nonce: AEADNonce, key: Key,
        into output: UnsafeMutableRawBufferPointer
    ) throws(CryptoError) -> Int {
        let sealedCount = plaintext.count + tagByteCount
        guard output.count >= sealedCount else {
            throw CryptoError(.outputBufferTooSmall, "need \(sealedCount) bytes, have \(output.count)")
        }
        _ = call(sodiumSeal, plaintext, associatedData, nonce, key, output)
        return sealedCount
    }

    /// Verifies and decrypts `sealed` (`ciphertext ‖ tag`); writes `sealed.count - tagByteCount` bytes into `output`.
    @inline(__always)
    static func openCombined(
        _ sealed: UnsafeRawBufferPointer, associatedData: UnsafeRawBufferPointer, nonce: AEADNonce, key: Key,
        into output: UnsafeMutableRawBufferPointer
    ) throws(CryptoError) -> Int {
        guard sealed.count >= tagByteCount else {
            throw CryptoError(.authenticationFailed, "sealed message shorter than the tag")
        }
        let plaintextCount = sealed.count - tagByteCount
        guard output.count >= plaintextCount else {
            throw CryptoError(.outputBufferTooSmall, "need \(plaintextCount) bytes, have \(output.count)")
        }
        guard call(sodiumOpen, sealed, associatedData, nonce, key, output) == 0 else {
            throw CryptoError(.authenticationFailed)
        }
        return plaintextCount
    }

    /// `function` from `input` into `output`, once the caller has checked both sizes.
    @inline(__always)
    private static func call(
        _ function: SodiumAEADFunction, _ input: UnsafeRawBufferPointer, _ associatedData: UnsafeRawBufferPointer,
        _ nonce: AEADNonce, _ key: Key, _ output: UnsafeMutableRawBufferPointer
    ) -> Int32 {
        nonce.withUnsafeBytes { n in
            withKeyPointer(key) { k in
                function(
                    output.baseAddress, input.baseAddress, input.count,
                    associatedData.baseAddress, associatedData.count, n.baseAddress, k)
            }
        }
    }

    /// Checks that `secret` has the length of a key.
    static func checkKeyLength(_ secret: SecretBytes) throws(CryptoError) {
        guard secret.count == keyByteCount else {
            throw CryptoError(.invalidLength, "\(algorithmName) key of \(secret.count) bytes")
        }
    }
}
