import CSodium

/// SHA-256 (FIPS 180-4) over libsodium's `crypto_hash_sha256`, one-shot or streaming.
public struct SHA256: Sendable {
    /// The digest size in bytes.
    public static let byteCount = 32

    private var state = crypto_hash_sha256_state()

    public init() {
        Sodium.ensureInitialized()
        CSodium_sha256_init(&state)
    }

    /// Adds `bytes` to the hash.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        CSodium_sha256_update(&state, bytes.baseAddress, bytes.count)
    }

    /// Adds `bytes` to the hash.
    public mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// The digest of everything added so far. Consumes the hasher.
    public consuming func finalize() -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: Self.byteCount) { buffer, initialized in
            CSodium_sha256_final(&state, buffer.baseAddress)
            initialized = Self.byteCount
        }
    }

    /// The digest of `bytes`.
    public static func hash(_ bytes: [UInt8]) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(bytes)
        return hasher.finalize()
    }
}
