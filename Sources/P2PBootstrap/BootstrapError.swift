/// A bootstrap run that could not read or write its directory: which rule, and where in our code. Plan errors are
/// `MembershipError`s naming the plan's field.
public struct BootstrapError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What failed. Numbers are stable (see `docs/error-codes.md`, range 1400–1499).
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: Int
        public let name: String
        private init(_ rawValue: Int, _ name: String) {
            self.rawValue = rawValue
            self.name = name
        }
        public var description: String { "\(name) (\(rawValue))" }

        /// A file or directory could not be created or written.
        public static let fileUnwritable = Code(1400, "file unwritable")
        /// An existing file could not be read, is too large, or does not decode (it is never overwritten then).
        public static let fileUnreadable = Code(1401, "file unreadable")
        /// Key material or certificates could not be generated or issued.
        public static let issuanceFailed = Code(1402, "issuance failed")
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
        detail.isEmpty ? "BootstrapError: \(code)" : "BootstrapError: \(code): \(detail)"
    }

    /// Errors are equal when their codes are: tests assert on codes, not on wording.
    public static func == (lhs: BootstrapError, rhs: BootstrapError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
