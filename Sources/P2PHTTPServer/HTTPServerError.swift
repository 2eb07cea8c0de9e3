/// An HTTP server that could not start: which rule, and where in our code.
public struct HTTPServerError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What failed. Numbers are stable (see `docs/error-codes.md`, range 1300–1399).
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: Int
        public let name: String
        private init(_ rawValue: Int, _ name: String) {
            self.rawValue = rawValue
            self.name = name
        }
        public var description: String { "\(name) (\(rawValue))" }

        /// The port is outside 0…65535.
        public static let invalidPort = Code(1300, "invalid port")
        /// The host and port could not be bound (in use, no such address, not permitted).
        public static let bindFailed = Code(1301, "bind failed")
        /// A connection beyond ``HTTPServer/Limits/maximumConnections``: closed as soon as accepted.
        public static let tooManyConnections = Code(1302, "too many connections")
        /// A limit that is not positive.
        public static let invalidLimits = Code(1303, "invalid limits")
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
        detail.isEmpty ? "HTTPServerError: \(code)" : "HTTPServerError: \(code): \(detail)"
    }

    /// Errors are equal when their codes are: tests assert on codes, not on wording.
    public static func == (lhs: HTTPServerError, rhs: HTTPServerError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
