import CSodium

/// Where ephemeral keys and session ids get their randomness. Injected so tests can pin transcripts.
public protocol RandomSource {
    /// Fills `buffer` with random bytes.
    mutating func fill(_ buffer: UnsafeMutableRawBufferPointer)
}

extension RandomSource {
    /// `count` random bytes as secret material.
    public mutating func secretBytes(count: Int) -> SecretBytes {
        SecretBytes(count: count) { buffer in self.fill(buffer) }
    }

    /// `count` random bytes that are not secret (session ids).
    public mutating func bytes(count: Int) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            self.fill(UnsafeMutableRawBufferPointer(buffer))
            initialized = count
        }
    }
}

/// libsodium's `randombytes_buf` (the kernel CSPRNG): the only source for production use.
public struct SystemRandomSource: RandomSource, Sendable {
    public init() { Sodium.ensureInitialized() }

    public mutating func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        CSodium_randombytes(buffer.baseAddress, buffer.count)
    }
}
