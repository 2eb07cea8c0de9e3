import CSodium

/// AES-256-GCM over libsodium (hardware AES-NI + PCLMUL only), sealing into caller buffers.
///
/// Use only where ``isAvailable``; on other CPUs ``Key/init(_:)`` throws
/// ``CryptoError/Code/algorithmUnavailable``. Sealed output is `ciphertext ‖ 16-byte tag`.
/// The expanded key schedule is computed once per key (`crypto_aead_aes256gcm_beforenm`).
public enum AES256GCM {
    public static let keyByteCount = 32
    public static let tagByteCount = 16

    /// Whether this CPU runs libsodium's AES-256-GCM.
    public static var isAvailable: Bool {
        Sodium.ensureInitialized()
        return crypto_aead_aes256gcm_is_available() == 1
    }

    /// An expanded AES-256-GCM key. Owns its 16-byte-aligned state and zeroes it on drop.
    public final class Key: @unchecked Sendable, CustomStringConvertible {
        fileprivate let state: UnsafeMutableRawBufferPointer

        public init(_ secret: SecretBytes) throws(CryptoError) {
            try AES256GCM.checkKeyLength(secret)
            guard AES256GCM.isAvailable else { throw CryptoError(.algorithmUnavailable, "AES-256-GCM") }
            state = .allocate(byteCount: CSodium_aes256gcm_statebytes(), alignment: 16)
            secret.withUnsafeBytes { k in _ = CSodium_aes256gcm_beforenm(state.baseAddress, k.baseAddress) }
        }

        deinit {
            CSodium_memzero(state.baseAddress, state.count)
            state.deallocate()
        }

        public var description: String { "AES256GCM.Key(redacted)" }
    }

    /// Encrypts and authenticates; writes `plaintext.count + 16` bytes into `output`.
    @inline(__always)
    public static func seal(
        _ plaintext: UnsafeRawBufferPointer, associatedData: UnsafeRawBufferPointer,
        nonce: AEADNonce, key: Key, into output: UnsafeMutableRawBufferPointer
    ) throws(CryptoError) -> Int {
        try sealCombined(plaintext, associatedData: associatedData, nonce: nonce, key: key, into: output)
    }

    /// Verifies and decrypts `ciphertext ‖ tag`; writes `sealed.count - 16` bytes into `output`.
    @inline(__always)
    public static func open(
        _ sealed: UnsafeRawBufferPointer, associatedData: UnsafeRawBufferPointer,
        nonce: AEADNonce, key: Key, into output: UnsafeMutableRawBufferPointer
    ) throws(CryptoError) -> Int {
        try openCombined(sealed, associatedData: associatedData, nonce: nonce, key: key, into: output)
    }
}

extension AES256GCM: SodiumAEAD {
    static var algorithmName: String { "AES-256-GCM" }
    static var sodiumSeal: SodiumAEADFunction { CSodium_aes256gcm_seal }
    static var sodiumOpen: SodiumAEADFunction { CSodium_aes256gcm_open }

    @inline(__always)
    static func withKeyPointer<R>(_ key: Key, _ body: (UnsafeRawPointer?) -> R) -> R {
        body(UnsafeRawPointer(key.state.baseAddress))
    }
}
