/// A membership, key or configuration failure: which rule, which field, and where in our code.
///
/// Validation errors name the field (`membersToAdd[0].endpoints[1]`) and the rule
/// (`must be an https URL`). Details never contain key bytes, certificates or other payloads.
public struct MembershipError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What failed. Numbers are stable (see `docs/error-codes.md`, range 600–699).
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: Int
        public let name: String
        private init(_ rawValue: Int, _ name: String) {
            self.rawValue = rawValue
            self.name = name
        }
        public var description: String { "\(name) (\(rawValue))" }

        // Records on the bus.
        public static let malformedRecord = Code(600, "malformed record")
        public static let unsupportedSchemaVersion = Code(601, "unsupported schema version")
        public static let keyMismatch = Code(602, "record under the wrong key")

        // Input validation (setup files, commands, configuration).
        public static let invalidField = Code(610, "invalid field")
        public static let unknownField = Code(611, "unknown field")
        public static let missingField = Code(612, "missing field")
        public static let invalidX500Name = Code(613, "invalid X.500 name")
        public static let unknownGroup = Code(614, "unknown group")
        public static let invalidEndpoint = Code(615, "invalid endpoint")
        public static let invalidKey = Code(616, "invalid key")
        public static let untrustedCertificate = Code(617, "certificate does not chain to the group's trust roots")
        public static let unknownTenant = Code(618, "tenant matches no uploaded key")
        public static let serialNotIncreasing = Code(619, "serial not increasing")
        public static let groupInUse = Code(620, "group in use")
        public static let duplicateEntry = Code(621, "duplicate entry")
        public static let inputTooLarge = Code(622, "input too large")
        public static let invalidConfiguration = Code(623, "invalid configuration")

        // Cluster key and sealing.
        public static let clusterKeyPermissions = Code(640, "cluster key file too permissive")
        public static let clusterKeySize = Code(641, "cluster key has the wrong size")
        public static let clusterKeyUnreadable = Code(642, "cluster key file unreadable")
        public static let wrongClusterKey = Code(643, "sealed under a different cluster key")
        public static let unsealFailed = Code(644, "sealed key does not open")
        public static let clusterKeyRequired = Code(645, "cluster key required")

        // Reaching the bus.
        public static let missingTable = Code(660, "table missing")
    }

    public let code: Code
    /// The field the error is about (a JSON path such as `groupsToAdd[0].groupId`), if any.
    public let field: String?
    public let detail: String
    public let file: String
    public let line: Int

    public init(_ code: Code, field: String? = nil, _ detail: String = "", file: String = #fileID, line: Int = #line) {
        self.code = code
        self.field = field
        self.detail = detail
        self.file = file
        self.line = line
    }

    public var description: String {
        var text = "MembershipError: \(code)"
        if let field { text += ": \(field)" }
        if !detail.isEmpty { text += ": \(detail)" }
        return text
    }

    /// Errors are equal when their codes are: tests assert on codes, not on wording.
    public static func == (lhs: MembershipError, rhs: MembershipError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
