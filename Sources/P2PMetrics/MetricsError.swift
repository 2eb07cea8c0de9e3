/// A metrics endpoint that could not start or register a source: which rule, and where in our code.
public struct MetricsError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What failed. Numbers are stable (see `docs/error-codes.md`, range 1000–1099).
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: Int
        public let name: String
        private init(_ rawValue: Int, _ name: String) {
            self.rawValue = rawValue
            self.name = name
        }
        public var description: String { "\(name) (\(rawValue))" }

        /// The port is outside 0…65535.
        public static let invalidPort = Code(1000, "invalid port")
        /// The host and port could not be bound (in use, no such address, not permitted).
        public static let bindFailed = Code(1001, "bind failed")
        /// A source registered twice for the same role and member.
        public static let invalidState = Code(1002, "invalid state")
        // 1003 (too many connections) is retired: `P2PHTTPServer` closes extra connections (its 1302).
        /// A member label that is empty or longer than ``MetricsCollector/maximumMemberLength``.
        public static let invalidMember = Code(1004, "invalid member")
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
        detail.isEmpty ? "MetricsError: \(code)" : "MetricsError: \(code): \(detail)"
    }

    /// Errors are equal when their codes are: tests assert on codes, not on wording.
    public static func == (lhs: MetricsError, rhs: MetricsError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
