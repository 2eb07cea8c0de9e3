/// A link frame or gateway batch that failed to encode or decode: which rule, and where in our code.
///
/// Errors are equal when their codes are, so tests and callers match on ``code``. The description
/// names the rule and, at most, sizes and field names; it never prints payload or key bytes.
public struct WireError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What failed. Numbers are stable (see `docs/error-codes.md`, range 200–299).
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: Int
        public let name: String
        private init(_ rawValue: Int, _ name: String) {
            self.rawValue = rawValue
            self.name = name
        }
        public var description: String { "\(name) (\(rawValue))" }

        // MARK: Link frames
        public static let unsupportedVersion = Code(200, "unsupported version")
        public static let unknownFrameType = Code(201, "unknown frame type")
        public static let reservedFlagsSet = Code(202, "reserved flags set")
        public static let frameTooLarge = Code(203, "frame too large")
        public static let frameTooShort = Code(204, "frame too short")
        public static let fieldTooLarge = Code(205, "field too large")
        public static let fieldTooShort = Code(206, "field too short")
        public static let truncated = Code(207, "truncated")
        public static let trailingBytes = Code(208, "trailing bytes")
        public static let invalidSupportedModes = Code(209, "invalid supported modes")
        public static let invalidSelectedMode = Code(210, "invalid selected mode")
        public static let invalidUTF8 = Code(211, "invalid UTF-8")
        public static let invalidFixedSizeField = Code(212, "invalid fixed-size field")
        public static let sessionIDNotZero = Code(213, "session id not zero")

        // MARK: Gateway batches
        public static let badBatchMagic = Code(220, "bad batch magic")
        public static let unsupportedBatchVersion = Code(221, "unsupported batch version")
        public static let unknownCompression = Code(222, "unknown compression")
        public static let batchReservedBitsSet = Code(223, "batch reserved bits set")
        public static let batchTooLarge = Code(224, "batch too large")
        public static let uncompressedLengthTooLarge = Code(225, "uncompressed length too large")
        public static let tooManyFrames = Code(226, "too many frames")
        public static let decompressionFailed = Code(228, "decompression failed")
        public static let decompressedLengthMismatch = Code(229, "decompressed length mismatch")
        public static let frameCountMismatch = Code(230, "frame count mismatch")
        public static let batchLengthMismatch = Code(231, "batch length mismatch")
        public static let compressionFailed = Code(232, "compression failed")
        public static let emptyBatch = Code(233, "empty batch")
        public static let batchSectionTooShort = Code(234, "batch section too short")
    }

    public let code: Code
    /// Which field or limit, with sizes only: never payload, key or name bytes.
    public let detail: String
    public let file: String
    public let line: Int

    public init(_ code: Code, _ detail: String = "", file: String = #fileID, line: Int = #line) {
        self.code = code
        self.detail = detail
        self.file = file
        self.line = line
    }

    public var description: String {
        detail.isEmpty ? "WireError: \(code)" : "WireError: \(code): \(detail)"
    }

    /// Errors are equal when their codes are: tests assert on codes, not on wording.
    public static func == (lhs: WireError, rhs: WireError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
