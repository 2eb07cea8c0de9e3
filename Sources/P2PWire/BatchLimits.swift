/// The bounds a gateway batch codec enforces, checked before anything is allocated.
///
/// See `docs/wire-format.md`, section 2.2.
public struct BatchLimits: Hashable, Sendable {
    /// The fixed batch header: magic, version, compression, reserved, frame count, uncompressed length.
    public static let headerSize = 16
    /// ASCII `P2PB`.
    public static let magic: UInt32 = 0x5032_5042
    /// No configuration raises a length limit above 64 MiB.
    public static let absoluteMaximumLength = 64 * 1024 * 1024
    /// lz4's largest possible ratio: `c` compressed bytes never produce more than `255 × c + slack`.
    public static let maximumCompressionRatio = 255
    /// The constant term of the ratio bound.
    public static let compressionRatioSlack = 64

    /// 8 MiB.
    public static let defaultMaximumBodyLength = 8 * 1024 * 1024
    /// 8 MiB.
    public static let defaultMaximumUncompressedLength = 8 * 1024 * 1024
    /// 8,192 frames.
    public static let defaultMaximumFrameCount = 8192

    public static let `default` = BatchLimits()

    /// The largest request body (a gateway answers 413 above it).
    public let maximumBodyLength: Int
    /// The largest frames section after decompression: the one allocation decoding makes.
    public let maximumUncompressedLength: Int
    /// The most frames in one batch.
    public let maximumFrameCount: Int
    /// The limits each frame of a batch is decoded with.
    public let frameLimits: FrameLimits

    /// Limits, lengths clamped to `headerSize + 40 ... absoluteMaximumLength`, the count to at least 1.
    public init(
        maximumBodyLength: Int = BatchLimits.defaultMaximumBodyLength,
        maximumUncompressedLength: Int = BatchLimits.defaultMaximumUncompressedLength,
        maximumFrameCount: Int = BatchLimits.defaultMaximumFrameCount,
        frameLimits: FrameLimits = .default
    ) {
        let smallest = Self.headerSize + FrameLimits.minimumFrameLength
        self.maximumBodyLength = min(max(maximumBodyLength, smallest), Self.absoluteMaximumLength)
        self.maximumUncompressedLength = min(
            max(maximumUncompressedLength, FrameLimits.minimumFrameLength), Self.absoluteMaximumLength)
        self.maximumFrameCount = min(max(maximumFrameCount, 1), Self.absoluteMaximumLength / FrameLimits.minimumFrameLength)
        self.frameLimits = frameLimits
    }
}
