/// The size checks every AEAD in this module makes before touching memory.
enum AEADBuffers {
    static let tagByteCount = 16

    /// The sealed size of `plaintext`, if `output` can hold it.
    @inline(__always)
    static func sealedCount(_ plaintext: UnsafeRawBufferPointer, _ output: UnsafeMutableRawBufferPointer)
        throws(CryptoError) -> Int
    {
        let sealedCount = plaintext.count + tagByteCount
        guard output.count >= sealedCount else {
            throw CryptoError(.outputBufferTooSmall, "need \(sealedCount) bytes, have \(output.count)")
        }
        return sealedCount
    }

    /// The plaintext size of `sealed`, if it holds a tag and `output` can hold the plaintext.
    @inline(__always)
    static func openedCount(_ sealed: UnsafeRawBufferPointer, _ output: UnsafeMutableRawBufferPointer)
        throws(CryptoError) -> Int
    {
        guard sealed.count >= tagByteCount else {
            throw CryptoError(.authenticationFailed, "sealed message shorter than the tag")
        }
        let plaintextCount = sealed.count - tagByteCount
        guard output.count >= plaintextCount else {
            throw CryptoError(.outputBufferTooSmall, "need \(plaintextCount) bytes, have \(output.count)")
        }
        return plaintextCount
    }
}
