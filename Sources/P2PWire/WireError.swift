@_exported public import P2PErrors

/// A link frame or gateway batch that failed to encode or decode: which rule, and where in our code.
///
/// Errors are equal when their codes are, so tests and callers match on ``code``. The description
/// names the rule and, at most, sizes and field names; it never prints payload or key bytes.
public typealias WireError = CodedError<WireErrorDomain>

/// The domain of ``WireError``.
public enum WireErrorDomain: ErrorDomain {
    public static let name = "WireError"
}

/// What can fail. Numbers are stable (see `docs/error-codes.md`, range 200–299).
extension CodedError.Code where Domain == WireErrorDomain {
    // MARK: Link frames
    public static var unsupportedVersion: Self { Self(200, "unsupported version") }
    public static var unknownFrameType: Self { Self(201, "unknown frame type") }
    public static var reservedFlagsSet: Self { Self(202, "reserved flags set") }
    public static var frameTooLarge: Self { Self(203, "frame too large") }
    public static var frameTooShort: Self { Self(204, "frame too short") }
    public static var fieldTooLarge: Self { Self(205, "field too large") }
    public static var fieldTooShort: Self { Self(206, "field too short") }
    public static var truncated: Self { Self(207, "truncated") }
    public static var trailingBytes: Self { Self(208, "trailing bytes") }
    public static var invalidSupportedModes: Self { Self(209, "invalid supported modes") }
    public static var invalidSelectedMode: Self { Self(210, "invalid selected mode") }
    public static var invalidUTF8: Self { Self(211, "invalid UTF-8") }
    public static var invalidFixedSizeField: Self { Self(212, "invalid fixed-size field") }
    public static var sessionIDNotZero: Self { Self(213, "session id not zero") }

    // MARK: Gateway batches
    public static var badBatchMagic: Self { Self(220, "bad batch magic") }
    public static var unsupportedBatchVersion: Self { Self(221, "unsupported batch version") }
    public static var unknownCompression: Self { Self(222, "unknown compression") }
    public static var batchReservedBitsSet: Self { Self(223, "batch reserved bits set") }
    public static var batchTooLarge: Self { Self(224, "batch too large") }
    public static var uncompressedLengthTooLarge: Self { Self(225, "uncompressed length too large") }
    public static var tooManyFrames: Self { Self(226, "too many frames") }
    public static var decompressionFailed: Self { Self(228, "decompression failed") }
    public static var decompressedLengthMismatch: Self { Self(229, "decompressed length mismatch") }
    public static var frameCountMismatch: Self { Self(230, "frame count mismatch") }
    public static var batchLengthMismatch: Self { Self(231, "batch length mismatch") }
    public static var compressionFailed: Self { Self(232, "compression failed") }
    public static var emptyBatch: Self { Self(233, "empty batch") }
    public static var batchSectionTooShort: Self { Self(234, "batch section too short") }
}
