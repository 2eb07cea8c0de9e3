/// A failure of the link-manager driver or of the embedded cluster around it: which rule, and where
/// in our code it was detected.
///
/// Errors are equal when their codes are. The description names the rule and at most identifiers,
/// sizes and field names; never payload, key or certificate bytes.
public struct ClusterError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What failed. Numbers are stable (see `docs/error-codes.md`, range 900–999).
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: Int
        public let name: String
        private init(_ rawValue: Int, _ name: String) {
            self.rawValue = rawValue
            self.name = name
        }
        public var description: String { "\(name) (\(rawValue))" }

        /// A hosted identity's key (session or TLS) is missing, or cannot be opened with the cluster key.
        public static let keyUnavailable = Code(901, "key unavailable")
        /// A `link.out` or `session.out.partitions` value does not decode.
        public static let malformedRecord = Code(902, "malformed record")
        /// The cluster's setup is incomplete: no hosted identity, no gateway configuration, no trust roots.
        public static let incompleteSetup = Code(903, "incomplete setup")
        /// The service was started twice, or used after it stopped.
        public static let invalidState = Code(904, "invalid state")
        /// The demo lost or duplicated messages, or did not finish in time.
        public static let demoFailed = Code(905, "demo failed")
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
        detail.isEmpty ? "ClusterError: \(code)" : "ClusterError: \(code): \(detail)"
    }

    /// Errors are equal when their codes are: tests assert on codes, not on wording.
    public static func == (lhs: ClusterError, rhs: ClusterError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
