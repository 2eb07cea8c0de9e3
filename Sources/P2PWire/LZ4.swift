import CLZ4

/// The two lz4 block calls the batch codec makes, on memory the caller owns (no copies here).
enum LZ4 {
    /// The most bytes compressing `length` bytes can produce.
    static func compressBound(_ length: Int) -> Int {
        Int(CLZ4_compressBound(Int32(clamping: length)))
    }

    /// Compresses `source` into `destination`; the number of bytes written, or `nil` on failure.
    static func compress(_ source: UnsafeRawBufferPointer, into destination: UnsafeMutableRawBufferPointer) -> Int? {
        guard let input = source.baseAddress, let output = destination.baseAddress,
            source.count <= Int(CLZ4_MAX_INPUT_SIZE())
        else { return nil }
        let written = CLZ4_compress_default(
            input, output, Int32(source.count), Int32(clamping: destination.count))
        return written > 0 ? Int(written) : nil
    }

    /// Decompresses `source` into `destination`, never writing past its end; the number of bytes
    /// produced, or `nil` when the data is corrupt or would exceed `destination`.
    static func decompress(_ source: UnsafeRawBufferPointer, into destination: UnsafeMutableRawBufferPointer) -> Int? {
        guard let input = source.baseAddress, let output = destination.baseAddress,
            source.count <= Int(Int32.max), destination.count <= Int(Int32.max)
        else { return nil }
        let produced = CLZ4_decompress_safe(input, output, Int32(source.count), Int32(destination.count))
        return produced >= 0 ? Int(produced) : nil
    }
}
