public import NIOCore

/// A decoded gateway batch: the body of one `POST /gateway/send`, many link frames.
///
/// Frames of an uncompressed batch are slices of the body; frames of a compressed one are slices of
/// the single buffer decompression fills. Encode batches with ``FrameBatchEncoder``.
/// See `docs/wire-format.md`, section 2.
public struct FrameBatch: Sendable {
    /// The header as it arrived (compression, declared count and length).
    public let header: FrameBatchHeader
    public let frames: [LinkFrame]

    /// Rejects a body by its declared length (the HTTP `Content-Length`) before it is read: a gateway
    /// answers 413 to ``WireError/Code/batchTooLarge``.
    public static func checkBodyLength(_ length: Int, limits: BatchLimits = .default) throws(WireError) {
        guard length <= limits.maximumBodyLength else {
            throw WireError(.batchTooLarge, "\(length) bytes, maximum \(limits.maximumBodyLength)")
        }
    }

    /// Decodes a whole batch body (its readable bytes).
    public static func decode(
        body: ByteBuffer, limits: BatchLimits = .default, allocator: ByteBufferAllocator = ByteBufferAllocator()
    ) throws(WireError) -> FrameBatch {
        try checkBodyLength(body.readableBytes, limits: limits)
        guard let header = try FrameBatchHeader.decode(from: body, limits: limits) else {
            throw WireError(.truncated, "\(body.readableBytes) bytes, a batch header is \(BatchLimits.headerSize)")
        }
        var section = body.getSlice(
            at: body.readerIndex + BatchLimits.headerSize, length: body.readableBytes - BatchLimits.headerSize)!
        switch header.compression {
        case .none:
            guard section.readableBytes == header.uncompressedLength else {
                throw WireError(
                    .batchLengthMismatch,
                    "section of \(section.readableBytes) bytes, declared \(header.uncompressedLength)")
            }
        case .lz4:
            section = try decompress(section, header: header, allocator: allocator)
        }

        var frames: [LinkFrame] = []
        frames.reserveCapacity(header.frameCount)  // bounded: count ≤ maximum and ≤ length / 40
        while section.readableBytes > 0 {
            guard frames.count < header.frameCount else {
                throw WireError(.frameCountMismatch, "more than the declared \(header.frameCount) frames")
            }
            guard let frame = try LinkFrame.decode(from: &section, limits: limits.frameLimits) else {
                throw WireError(.truncated, "frame \(frames.count) is cut off by the end of the section")
            }
            frames.append(frame)
        }
        guard frames.count == header.frameCount else {
            throw WireError(.frameCountMismatch, "\(frames.count) frames, declared \(header.frameCount)")
        }
        return FrameBatch(header: header, frames: frames)
    }

    /// Decompresses into one buffer of exactly the declared length, after bounding that length by
    /// what the compressed bytes could possibly produce.
    private static func decompress(
        _ compressed: ByteBuffer, header: FrameBatchHeader, allocator: ByteBufferAllocator
    ) throws(WireError) -> ByteBuffer {
        let bound = compressed.readableBytes * BatchLimits.maximumCompressionRatio + BatchLimits.compressionRatioSlack
        guard header.uncompressedLength <= bound else {
            throw WireError(
                .uncompressedLengthTooLarge,
                "\(header.uncompressedLength) bytes cannot come from \(compressed.readableBytes) compressed bytes")
        }
        let expected = header.uncompressedLength
        var output = allocator.buffer(capacity: expected)
        var produced: Int?
        _ = compressed.withUnsafeReadableBytes { source in
            output.writeWithUnsafeMutableBytes(minimumWritableBytes: expected) { destination in
                produced = LZ4.decompress(source, into: UnsafeMutableRawBufferPointer(rebasing: destination[..<expected]))
                return produced ?? 0
            }
        }
        guard let produced else { throw WireError(.decompressionFailed) }
        guard produced == expected else {
            throw WireError(.decompressedLengthMismatch, "\(produced) bytes, declared \(expected)")
        }
        return output
    }
}
