/// A bus operation that failed: which rule or condition, and where in our code it was detected.
public struct BusError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What failed. Numbers are stable (see `docs/error-codes.md`, range 500–599).
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: Int
        public let name: String
        private init(_ rawValue: Int, _ name: String) {
            self.rawValue = rawValue
            self.name = name
        }
        public var description: String { "\(name) (\(rawValue))" }

        public static let invalidTopicName = Code(500, "invalid topic name")
        public static let invalidPartitionCount = Code(501, "invalid partition count")
        public static let unknownTopic = Code(502, "unknown topic")
        public static let partitionOutOfRange = Code(503, "partition out of range")
        public static let keyTooLong = Code(504, "record key too long")
        public static let recordTooLarge = Code(505, "record too large")
        public static let invalidOption = Code(506, "invalid option")
        public static let closed = Code(507, "closed")
        public static let topicMismatch = Code(508, "topic exists with another layout")
        public static let invalidTableKey = Code(510, "invalid table key")
        public static let unknownTable = Code(511, "unknown table")
        public static let revisionMismatch = Code(512, "revision mismatch")
        public static let valueTooLarge = Code(513, "table value too large")
        public static let invalidGroupName = Code(520, "invalid group or member name")
        public static let duplicateMember = Code(521, "member already in group")
        public static let unreachable = Code(530, "bus unreachable")
        public static let publishFailed = Code(531, "publish failed")
        public static let serverError = Code(532, "bus server error")
        public static let malformedSetupFile = Code(540, "malformed setup file")
    }

    public let code: Code
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
        detail.isEmpty ? "BusError: \(code)" : "BusError: \(code): \(detail)"
    }

    /// Errors are equal when their codes are: tests assert on codes, not on wording.
    public static func == (lhs: BusError, rhs: BusError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
