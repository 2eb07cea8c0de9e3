/// A doorman operation that failed: a request refused, a store that could not be written, a chain
/// the node side does not accept.
public struct DoormanError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What failed. Numbers are stable (see `docs/error-codes.md`, range 1200–1299).
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: Int
        public let name: String
        private init(_ rawValue: Int, _ name: String) {
            self.rawValue = rawValue
            self.name = name
        }
        public var description: String { "\(name) (\(rawValue))" }

        // A submitted request (HTTP 400 / 413 / 503).
        public static let malformedRequest = Code(1200, "malformed certificate signing request")
        public static let invalidRequestSignature = Code(1201, "invalid request signature")
        public static let invalidLegalName = Code(1202, "invalid legal name")
        public static let unsupportedRole = Code(1203, "unsupported role")
        public static let unsupportedKey = Code(1204, "unsupported key")
        public static let requestTooLarge = Code(1205, "request too large")
        public static let tooManyPendingRequests = Code(1206, "too many pending requests")
        // Decisions.
        public static let unknownRequest = Code(1207, "unknown request")
        public static let invalidTransition = Code(1208, "invalid transition")
        public static let nameAlreadyIssued = Code(1209, "name already issued")
        public static let invalidReason = Code(1210, "invalid reason")
        // The doorman's own state.
        public static let storageFailed = Code(1211, "storage failed")
        public static let corruptRecord = Code(1212, "corrupt record")
        public static let notInitialised = Code(1213, "doorman not initialised")
        public static let issuanceFailed = Code(1214, "issuance failed")
        public static let invalidConfiguration = Code(1215, "invalid configuration")
        // The node side.
        public static let unexpectedResponse = Code(1216, "unexpected response")
        public static let requestRejected = Code(1217, "request rejected")
        public static let chainRejected = Code(1218, "chain rejected")
        public static let timedOut = Code(1219, "timed out")
        public static let connectionFailed = Code(1220, "connection failed")
        public static let invalidArchive = Code(1221, "invalid archive")
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
        detail.isEmpty ? "DoormanError: \(code)" : "DoormanError: \(code): \(detail)"
    }

    /// Errors are equal when their codes are: tests assert on codes, not on wording.
    public static func == (lhs: DoormanError, rhs: DoormanError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
