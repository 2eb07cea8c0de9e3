import CSodium

/// Secret key material in memory that this object alone owns and zeroes when it is released.
///
/// Not printable (its `description` is redacted), not `Codable`, and compared in constant time.
/// Immutable after initialisation, hence safe to share between threads.
public final class SecretBytes: @unchecked Sendable, Equatable, CustomStringConvertible,
    CustomDebugStringConvertible, CustomReflectable
{
    /// Largest secret we ever hold (an Ed25519 secret key is 64 bytes; HKDF output is bounded by callers).
    public static let maximumCount = 8160

    private let storage: UnsafeMutableRawBufferPointer

    /// The number of bytes held.
    public var count: Int { storage.count }

    /// Fills `count` fresh bytes with `initializer`. The memory is zeroed first, and zeroed again
    /// if `initializer` throws.
    public init<E: Error>(
        count: Int, initializingWith initializer: (UnsafeMutableRawBufferPointer) throws(E) -> Void
    ) throws(E) {
        precondition(count >= 0 && count <= Self.maximumCount, "secret size out of bounds")
        Sodium.ensureInitialized()
        let pointer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(count, 1), alignment: 16)
        let buffer = UnsafeMutableRawBufferPointer(rebasing: pointer[0..<count])
        CSodium_memzero(pointer.baseAddress, pointer.count)
        do {
            try initializer(buffer)
        } catch {
            CSodium_memzero(pointer.baseAddress, pointer.count)
            pointer.deallocate()
            throw error
        }
        self.storage = buffer
        self.allocation = pointer
    }

    private let allocation: UnsafeMutableRawBufferPointer

    /// Copies `bytes`. The caller remains responsible for zeroing its own copy.
    public convenience init(copying bytes: some Collection<UInt8>) {
        self.init(count: bytes.count) { buffer in buffer.copyBytes(from: bytes) }
    }

    /// `count` bytes from libsodium's random source.
    public static func random(count: Int) -> SecretBytes {
        SecretBytes(count: count) { buffer in CSodium_randombytes(buffer.baseAddress, buffer.count) }
    }

    deinit {
        CSodium_memzero(allocation.baseAddress, allocation.count)
        allocation.deallocate()
    }

    /// Read access to the secret. Do not let the pointer escape the closure.
    @inline(__always)
    public func withUnsafeBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try body(UnsafeRawBufferPointer(storage))
    }

    /// Constant-time comparison (for equal lengths; the lengths themselves are not secret).
    public static func == (lhs: SecretBytes, rhs: SecretBytes) -> Bool {
        guard lhs.count == rhs.count else { return false }
        if lhs.count == 0 { return true }
        return CSodium_memcmp(lhs.storage.baseAddress, rhs.storage.baseAddress, lhs.count) == 0
    }

    public var description: String { "SecretBytes(\(count) bytes, redacted)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: [:]) }
}

/// Constant-time equality of two non-secret-length byte sequences (MACs, key hashes).
public func constantTimeEquals(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
    guard a.count == b.count else { return false }
    if a.count == 0 { return true }
    return CSodium_memcmp(a.baseAddress, b.baseAddress, a.count) == 0
}

/// Constant-time equality of two byte arrays.
public func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    a.withUnsafeBytes { a in b.withUnsafeBytes { b in constantTimeEquals(a, b) } }
}
