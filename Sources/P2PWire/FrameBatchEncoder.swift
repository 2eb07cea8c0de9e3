public import NIOCore

/// Writes gateway batches, compressing the frames section under a ``CompressionPolicy``.
///
/// Keeps one scratch buffer for lz4 output and reuses it from batch to batch, so encoding in a loop
/// allocates only when a batch is larger than any before it. Not thread-safe: one encoder per
/// connection or task.
public struct FrameBatchEncoder {
    public var policy: CompressionPolicy
    public let limits: BatchLimits
    private var scratch: ByteBuffer

    public init(
        policy: CompressionPolicy = .auto, limits: BatchLimits = .default,
        allocator: ByteBufferAllocator = ByteBufferAllocator()
    ) {
        self.policy = policy
        self.limits = limits
        self.scratch = allocator.buffer(capacity: 0)
    }

    /// Appends one batch holding `frames` to `buffer` and returns its header.
    ///
    /// Takes an array rather than any collection: iterating an unspecialised generic collection of
    /// frames allocated on every element (measured, see PERFORMANCE.md).
    ///
    /// Throws the limit errors a decoder with the same limits would (too many frames, a frame or the
    /// section or the body too large); on error `buffer` is left as it was.
    @discardableResult
    public mutating func encode(
        _ frames: [LinkFrame], into buffer: inout ByteBuffer
    ) throws(WireError) -> FrameBatchHeader {
        var sectionLength = 0
        for frame in frames {
            guard frame.encodedLength <= limits.frameLimits.maximumFrameLength else {
                throw WireError(
                    .frameTooLarge, "\(frame.encodedLength) bytes, maximum \(limits.frameLimits.maximumFrameLength)")
            }
            sectionLength += frame.encodedLength
        }
        var header = FrameBatchHeader(compression: .none, frameCount: frames.count, uncompressedLength: sectionLength)
        try header.check(limits: limits)

        let headerIndex = buffer.writerIndex
        buffer.reserveCapacity(minimumWritableBytes: BatchLimits.headerSize + sectionLength)
        header.encode(into: &buffer)
        let sectionIndex = buffer.writerIndex
        for frame in frames { frame.encode(into: &buffer) }

        if let compressedLength = try compressIfWorthwhile(buffer, sectionIndex: sectionIndex, length: sectionLength) {
            buffer.moveWriterIndex(to: sectionIndex)
            buffer.writeImmutableBuffer(scratch)
            header.compression = .lz4
            buffer.setInteger(header.compression.rawValue, at: headerIndex + 5)
            assert(buffer.writerIndex - sectionIndex == compressedLength)
        }
        let bodyLength = buffer.writerIndex - headerIndex
        guard bodyLength <= limits.maximumBodyLength else {
            buffer.moveWriterIndex(to: headerIndex)
            throw WireError(.batchTooLarge, "\(bodyLength) bytes, maximum \(limits.maximumBodyLength)")
        }
        return header
    }

    /// Compresses the section into `scratch` when the policy asks; its length if the policy keeps it.
    private mutating func compressIfWorthwhile(
        _ buffer: ByteBuffer, sectionIndex: Int, length: Int
    ) throws(WireError) -> Int? {
        var minimumSaving = 0.0
        switch policy.mode {
        case .never:
            return nil
        case .always:
            break
        case .auto(let minimumLength, let minimumSavingFraction):
            guard length >= minimumLength else { return nil }
            minimumSaving = minimumSavingFraction
        }
        let bound = LZ4.compressBound(length)
        scratch.clear()
        var written: Int?
        buffer.withUnsafeReadableBytes { readable in
            let offset = sectionIndex - buffer.readerIndex
            let section = UnsafeRawBufferPointer(rebasing: readable[offset..<(offset + length)])
            scratch.writeWithUnsafeMutableBytes(minimumWritableBytes: bound) { destination in
                written = LZ4.compress(section, into: UnsafeMutableRawBufferPointer(rebasing: destination[..<bound]))
                return written ?? 0
            }
        }
        guard let written else { throw WireError(.compressionFailed, "section of \(length) bytes") }
        if case .always = policy.mode { return written }
        return Double(length - written) >= Double(length) * minimumSaving && written < length ? written : nil
    }
}
