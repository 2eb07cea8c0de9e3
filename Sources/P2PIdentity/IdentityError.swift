/// An identity that failed validation: which rule, and where in our code it was detected.
public struct IdentityError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What failed. Numbers are stable (see `docs/error-codes.md`, range 100–199).
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: Int
        public let name: String
        private init(_ rawValue: Int, _ name: String) {
            self.rawValue = rawValue
            self.name = name
        }
        public var description: String { "\(name) (\(rawValue))" }

        public static let emptyGroupID = Code(100, "empty group id")
        public static let groupIDTooLong = Code(101, "group id too long")
        public static let invalidGroupIDCharacter = Code(102, "invalid character in group id")

        // X.500 names: which attributes, and how many of each.
        public static let unsupportedAttribute = Code(103, "unsupported attribute")
        public static let missingAttribute = Code(104, "missing attribute")
        public static let duplicateAttribute = Code(105, "duplicate attribute")
        // X.500 names: the value of one attribute.
        public static let invalidCountry = Code(106, "invalid country")
        public static let attributeTooLong = Code(107, "attribute too long")
        public static let emptyAttribute = Code(108, "empty attribute")
        public static let notNormalised = Code(109, "attribute not normalised")
        public static let tooFewLetters = Code(110, "too few letters")
        public static let controlCharacter = Code(111, "control character")
        public static let forbiddenCharacter = Code(112, "forbidden character")
        public static let nonASCII = Code(113, "non-ASCII character")
        public static let notCapitalised = Code(114, "not capitalised")
        // X.500 names: the string form.
        public static let malformedName = Code(115, "malformed name")
        public static let invalidEscape = Code(116, "invalid escape")
        public static let multiValuedRDN = Code(117, "multi-valued RDN")
        public static let nameTooLong = Code(118, "name too long")
        // Message ids and holding identities.
        public static let emptyMessageID = Code(119, "empty message id")
        public static let messageIDTooLong = Code(120, "message id too long")
        public static let invalidMessageIDCharacter = Code(121, "invalid character in message id")
        public static let malformedHoldingIdentity = Code(122, "malformed holding identity")
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
        detail.isEmpty ? "IdentityError: \(code)" : "IdentityError: \(code): \(detail)"
    }

    /// Errors are equal when their codes are: tests assert on codes, not on wording.
    public static func == (lhs: IdentityError, rhs: IdentityError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
