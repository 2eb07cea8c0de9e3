/// A link-manager failure: which rule, and where in our code it was detected.
///
/// Errors are equal when their codes are, so tests and callers match on ``code``. The description
/// names the rule and, at most, sizes, field names and identifiers; it never prints payload or key
/// bytes.
public struct LinkManagerError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What failed. Numbers are stable (see `docs/error-codes.md`, range 800–899).
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: Int
        public let name: String
        private init(_ rawValue: Int, _ name: String) {
            self.rawValue = rawValue
            self.name = name
        }
        public var description: String { "\(name) (\(rawValue))" }

        // Records (docs/app-records.md).
        public static let unknownRecordType = Code(800, "unknown record type")
        public static let unsupportedRecordVersion = Code(801, "unsupported record version")
        public static let truncated = Code(802, "truncated record")
        public static let fieldTooLarge = Code(803, "field too large")
        public static let fieldTooShort = Code(804, "field too short")
        public static let trailingBytes = Code(805, "trailing bytes")
        public static let invalidUTF8 = Code(806, "invalid UTF-8")
        public static let invalidIdentity = Code(807, "invalid identity")
        public static let invalidValue = Code(808, "invalid value")
        public static let expiryMismatch = Code(809, "expiry mismatch")
        // Outbound (docs/link-manager.md §2, §3).
        public static let queueFull = Code(810, "session queue full")
        public static let tooManyTrackedMessages = Code(811, "too many tracked messages")
        public static let unknownSlot = Code(812, "unknown session slot")
        // Inbound (docs/link-manager.md §5).
        public static let unknownSession = Code(820, "unknown session")
        public static let sessionNotEstablished = Code(821, "session not established")
        public static let counterpartiesMismatch = Code(822, "counterparties mismatch")
        public static let tooManyInboundSessions = Code(823, "too many inbound sessions")
        // Configuration.
        public static let invalidConfiguration = Code(830, "invalid configuration")
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
        detail.isEmpty ? "LinkManagerError: \(code)" : "LinkManagerError: \(code): \(detail)"
    }

    /// Errors are equal when their codes are: tests assert on codes, not on wording.
    public static func == (lhs: LinkManagerError, rhs: LinkManagerError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
