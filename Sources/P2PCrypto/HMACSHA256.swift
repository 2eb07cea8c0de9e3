import CSodium

/// HMAC-SHA256 (RFC 2104) over libsodium's `crypto_auth_hmacsha256`, for keys of any length.
///
/// The keyed state (the inner and outer pads) is computed once in `init`; each `authenticate`
/// copies it on the stack, so computing a tag does not allocate. The keyed state is the single
/// owner of the key material and is zeroed on drop. Immutable after `init`, so safe to share.
public final class HMACSHA256: @unchecked Sendable {
    /// The tag size in bytes.
    public static let byteCount = 32

    private var keyed = crypto_auth_hmacsha256_state()

    /// A MAC keyed with `key`.
    public init(key: UnsafeRawBufferPointer) {
        Sodium.ensureInitialized()
        CSodium_hmacsha256_init(&keyed, key.baseAddress, key.count)
    }

    /// A MAC keyed with a secret.
    public init(key: SecretBytes) {
        Sodium.ensureInitialized()
        key.withUnsafeBytes { CSodium_hmacsha256_init(&keyed, $0.baseAddress, $0.count) }
    }

    deinit {
        withUnsafeMutableBytes(of: &keyed) { CSodium_memzero($0.baseAddress, $0.count) }
    }

    /// Writes the 32-byte tag of `message` into `tag` (at least 32 bytes). Does not allocate.
    public func authenticate(_ message: UnsafeRawBufferPointer, into tag: UnsafeMutableRawBufferPointer) {
        authenticate(message, UnsafeRawBufferPointer(start: nil, count: 0), UnsafeRawBufferPointer(start: nil, count: 0), into: tag)
    }

    /// Writes the 32-byte tag of `a ‖ b` into `tag` (at least 32 bytes). Does not allocate.
    public func authenticate(
        _ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer, into tag: UnsafeMutableRawBufferPointer
    ) {
        authenticate(a, b, UnsafeRawBufferPointer(start: nil, count: 0), into: tag)
    }

    /// Writes the 32-byte tag of `a ‖ b ‖ c` into `tag` (at least 32 bytes). Does not allocate.
    public func authenticate(
        _ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer, _ c: UnsafeRawBufferPointer,
        into tag: UnsafeMutableRawBufferPointer
    ) {
        precondition(tag.count >= Self.byteCount, "HMAC tag buffer too small")
        var state = keyed
        CSodium_hmacsha256_update(&state, a.baseAddress, a.count)
        CSodium_hmacsha256_update(&state, b.baseAddress, b.count)
        CSodium_hmacsha256_update(&state, c.baseAddress, c.count)
        CSodium_hmacsha256_final(&state, tag.baseAddress)
        withUnsafeMutableBytes(of: &state) { CSodium_memzero($0.baseAddress, $0.count) }
    }

    /// The tag of `message` as a new array.
    public func authenticate(_ message: [UInt8]) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: Self.byteCount) { buffer, initialized in
            message.withUnsafeBytes { authenticate($0, into: UnsafeMutableRawBufferPointer(buffer)) }
            initialized = Self.byteCount
        }
    }

    /// One-shot HMAC-SHA256 of `message` under `key`.
    public static func authenticate(_ message: [UInt8], key: [UInt8]) -> [UInt8] {
        key.withUnsafeBytes { HMACSHA256(key: $0).authenticate(message) }
    }

    /// Whether `tag` is the tag of `message`, compared in constant time.
    public func isValid(tag: [UInt8], for message: [UInt8]) -> Bool {
        constantTimeEquals(authenticate(message), tag)
    }
}
