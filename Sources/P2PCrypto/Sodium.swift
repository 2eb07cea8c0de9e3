import CSodium

/// libsodium's one-time initialisation, done lazily (and thread-safely) by the first primitive used.
enum Sodium {
    /// `sodium_init()` returns 0 on first success, 1 when already initialised, -1 on failure.
    private static let initialized: Bool = sodium_init() >= 0

    /// Initialise libsodium if needed. A failure here means the process cannot do any crypto.
    @inline(__always)
    static func ensureInitialized() {
        precondition(initialized, "sodium_init() failed: no usable random source")
    }
}

/// A version of `withUnsafeBytes` on byte arrays, spelled once.
extension Array where Element == UInt8 {
    @inline(__always)
    func withRaw<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try self.withUnsafeBytes(body)
    }
}
