public import NIOCore

/// The fixed 16-byte header of a gateway batch. See `docs/wire-format.md`, section 2.1.
public struct FrameBatchHeader: Hashable, Sendable {
    /// How the frames section is stored.
    public enum Compression: UInt8, Hashable, Sendable {
        case none = 0
        /// One lz4 block (the block format, no frame header).
        case lz4 = 1
    }

    public var compression: Compression
    /// The number of frames in the section.
    public var frameCount: Int
    /// The section's length before compression.
    public var uncompressedLength: Int

    public init(compression: Compression, frameCount: Int, uncompressedLength: Int) {
        self.compression = compression
        self.frameCount = frameCount
        self.uncompressedLength = uncompressedLength
    }

    /// Reads and checks the header at the front of `buffer` without consuming it; `nil` when fewer
    /// than 16 bytes are present.
    ///
    /// A gateway calls this as soon as 16 bytes of a body arrived: declared sizes over `limits`
    /// (a claim of 4 GiB included) are rejected before the frames section is read or any buffer
    /// for it allocated.
    public static func decode(from buffer: ByteBuffer, limits: BatchLimits = .default) throws(WireError)
        -> FrameBatchHeader?
    {
        guard
            let (magic, version, rawCompression, reserved, count, length) = buffer.getMultipleIntegers(
                at: buffer.readerIndex, as: (UInt32, UInt8, UInt8, UInt16, UInt32, UInt32).self)
        else { return nil }
        guard magic == BatchLimits.magic else { throw WireError(.badBatchMagic) }
        guard version == WireVersion.batch else { throw WireError(.unsupportedBatchVersion, "version \(version)") }
        guard let compression = Compression(rawValue: rawCompression) else {
            throw WireError(.unknownCompression, "compression \(rawCompression)")
        }
        guard reserved == 0 else { throw WireError(.batchReservedBitsSet, "reserved \(reserved)") }
        let header = FrameBatchHeader(
            compression: compression, frameCount: Int(count), uncompressedLength: Int(length))
        try header.check(limits: limits)
        return header
    }

    /// The checks shared by the decoder and the encoder.
    func check(limits: BatchLimits) throws(WireError) {
        guard frameCount > 0 else { throw WireError(.emptyBatch) }
        guard frameCount <= limits.maximumFrameCount else {
            throw WireError(.tooManyFrames, "\(frameCount) frames, maximum \(limits.maximumFrameCount)")
        }
        guard uncompressedLength >= FrameLimits.minimumFrameLength else {
            throw WireError(.batchSectionTooShort, "\(uncompressedLength) bytes")
        }
        guard uncompressedLength <= limits.maximumUncompressedLength else {
            throw WireError(
                .uncompressedLengthTooLarge, "\(uncompressedLength) bytes, maximum \(limits.maximumUncompressedLength)")
        }
        // Every frame is at least 40 bytes: a count the section cannot hold is rejected here, before
        // an array for the frames is reserved.
        guard frameCount <= uncompressedLength / FrameLimits.minimumFrameLength else {
            throw WireError(.frameCountMismatch, "\(frameCount) frames cannot fit in \(uncompressedLength) bytes")
        }
    }

    func encode(into buffer: inout ByteBuffer) {
        buffer.writeMultipleIntegers(
            BatchLimits.magic, WireVersion.batch, compression.rawValue, UInt16(0), UInt32(frameCount),
            UInt32(uncompressedLength))
    }
}
