/// When a batch encoder compresses the frames section with lz4.
public struct CompressionPolicy: Hashable, Sendable {
    enum Mode: Hashable, Sendable {
        case never
        case always
        case auto(minimumLength: Int, minimumSavingFraction: Double)
    }

    let mode: Mode

    /// Sections shorter than this (1 KiB) are not worth an lz4 call under ``auto``.
    public static let defaultMinimumLength = 1024
    /// Under ``auto``, compression must save at least this fraction (10 %) of the section.
    public static let defaultMinimumSavingFraction = 0.10

    /// Never compress.
    public static let never = CompressionPolicy(mode: .never)
    /// Always compress, even when lz4 does not shrink the section.
    public static let always = CompressionPolicy(mode: .always)
    /// Compress sections of at least 1 KiB, and keep the result only if it saves at least 10 %.
    public static let auto = CompressionPolicy.auto(
        minimumLength: defaultMinimumLength, minimumSavingFraction: defaultMinimumSavingFraction)

    /// Compress sections of at least `minimumLength` bytes, and keep the result only if it saves at
    /// least `minimumSavingFraction` (0…1) of the section.
    public static func auto(minimumLength: Int, minimumSavingFraction: Double) -> CompressionPolicy {
        CompressionPolicy(
            mode: .auto(minimumLength: max(minimumLength, 0), minimumSavingFraction: min(max(minimumSavingFraction, 0), 1)))
    }
}
