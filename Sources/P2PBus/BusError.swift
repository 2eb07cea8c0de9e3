@_exported public import P2PErrors

/// A bus operation that failed: which rule or condition, and where in our code it was detected.
public typealias BusError = CodedError<BusErrorDomain>

/// The domain of ``BusError``.
public enum BusErrorDomain: ErrorDomain {
    public static let name = "BusError"
}

/// What can fail. Numbers are stable (see `docs/error-codes.md`, range 500–599).
extension CodedError.Code where Domain == BusErrorDomain {
    public static var invalidTopicName: Self { Self(500, "invalid topic name") }
    public static var invalidPartitionCount: Self { Self(501, "invalid partition count") }
    public static var unknownTopic: Self { Self(502, "unknown topic") }
    public static var partitionOutOfRange: Self { Self(503, "partition out of range") }
    public static var keyTooLong: Self { Self(504, "record key too long") }
    public static var recordTooLarge: Self { Self(505, "record too large") }
    public static var invalidOption: Self { Self(506, "invalid option") }
    public static var closed: Self { Self(507, "closed") }
    public static var topicMismatch: Self { Self(508, "topic exists with another layout") }
    public static var invalidTableKey: Self { Self(510, "invalid table key") }
    public static var unknownTable: Self { Self(511, "unknown table") }
    public static var revisionMismatch: Self { Self(512, "revision mismatch") }
    public static var valueTooLarge: Self { Self(513, "table value too large") }
    public static var invalidGroupName: Self { Self(520, "invalid group or member name") }
    public static var duplicateMember: Self { Self(521, "member already in group") }
    public static var unreachable: Self { Self(530, "bus unreachable") }
    public static var publishFailed: Self { Self(531, "publish failed") }
    public static var serverError: Self { Self(532, "bus server error") }
    public static var malformedSetupFile: Self { Self(540, "malformed setup file") }
}
