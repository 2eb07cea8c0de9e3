/// A Corda legal name: an X.500 distinguished name restricted to the attributes
/// `CN`, `OU`, `O`, `L`, `ST` and `C`, validated with Corda's legal-name rules.
///
/// Values are stored normalised (NFKC, whitespace runs collapsed to one space, trimmed), so
/// two names that differ only in spacing or attribute order are equal, hash alike and have the
/// same canonical string (``description``):
///
/// ```swift
/// let a = try X500Name("C=GB,L=London,  O=Alice Corp")
/// let b = try X500Name("O=Alice Corp, L=London, C=GB")
/// assert(a == b && a.description == "O=Alice Corp, L=London, C=GB")
/// ```
///
/// See `docs/identities.md` for every rule and how this differs from Corda.
public struct X500Name: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The longest string form ``init(_:validation:)`` parses, and the longest raw attribute
    /// value the memberwise initialiser looks at, in UTF-8 bytes.
    public static let maximumStringLength = 1024

    /// The six attributes a Corda legal name may have, in canonical order.
    public enum Attribute: String, CaseIterable, Sendable, Hashable, CustomStringConvertible {
        case commonName = "CN"
        case organisationalUnit = "OU"
        case organisation = "O"
        case locality = "L"
        case state = "ST"
        case country = "C"

        /// The attribute's length must be strictly below this, counted in UTF-16 code units
        /// as Java's `String.length` counts them (Corda's `MAX_LENGTH_*`).
        public var lengthLimit: Int {
            switch self {
            case .organisation: 128
            case .commonName, .organisationalUnit, .locality, .state: 64
            case .country: 3
            }
        }

        /// Whether a legal name must have this attribute.
        public var isRequired: Bool {
            switch self {
            case .organisation, .locality, .country: true
            case .commonName, .organisationalUnit, .state: false
            }
        }

        public var description: String { rawValue }
    }

    /// How strictly attribute values are checked.
    public enum ValidationMode: Sendable, Hashable {
        /// What a Corda node enforces: `O` already normalised with at least two letters;
        /// `C` an ISO 3166-1 code; every value non-empty, within its length and free of
        /// control characters. Other values are normalised silently.
        case minimal
        /// What a doorman should enforce: the organisation rules of ``minimal`` applied to
        /// every attribute, plus no `, = $ " ' \`, ASCII only, first character upper case.
        case full
    }

    public let commonName: String?
    public let organisationalUnit: String?
    public let organisation: String
    public let locality: String
    public let state: String?
    public let country: String

    /// The canonical string: `CN=…, OU=…, O=…, L=…, ST=…, C=…` (present attributes only),
    /// values normalised and escaped per RFC 4514.
    public let description: String

    /// Builds a name from its attribute values, validating and normalising each.
    public init(
        commonName: String? = nil,
        organisationalUnit: String? = nil,
        organisation: String,
        locality: String,
        state: String? = nil,
        country: String,
        validation: ValidationMode = .minimal
    ) throws(IdentityError) {
        var values: [Attribute: String] = [.organisation: organisation, .locality: locality, .country: country]
        values[.commonName] = commonName
        values[.organisationalUnit] = organisationalUnit
        values[.state] = state
        try self.init(validating: values, mode: validation)
    }

    /// Validates raw attribute values (as given or as parsed) and builds the name.
    init(validating raw: [Attribute: String], mode: ValidationMode) throws(IdentityError) {
        for attribute in Attribute.allCases where attribute.isRequired && raw[attribute] == nil {
            throw IdentityError(.missingAttribute, "\(attribute) is required")
        }
        var values: [Attribute: String] = [:]
        for attribute in Attribute.allCases {
            if let value = raw[attribute] {
                values[attribute] = try Self.validate(value, as: attribute, mode: mode)
            }
        }
        // The required ones are present: checked above.
        self.commonName = values[.commonName]
        self.organisationalUnit = values[.organisationalUnit]
        self.organisation = values[.organisation]!
        self.locality = values[.locality]!
        self.state = values[.state]
        self.country = values[.country]!
        self.description = Attribute.allCases.compactMap { attribute in
            values[attribute].map { "\(attribute.rawValue)=\(Self.escape($0))" }
        }.joined(separator: ", ")
    }

    /// The value of one attribute, or `nil` when the name does not have it.
    public subscript(attribute: Attribute) -> String? {
        switch attribute {
        case .commonName: commonName
        case .organisationalUnit: organisationalUnit
        case .organisation: organisation
        case .locality: locality
        case .state: state
        case .country: country
        }
    }

    // Equality, hashing and order follow the canonical string, which is built from the
    // normalised values and determines them.
    public static func == (lhs: X500Name, rhs: X500Name) -> Bool { lhs.description == rhs.description }
    public func hash(into hasher: inout Hasher) { hasher.combine(description) }
    public static func < (lhs: X500Name, rhs: X500Name) -> Bool { lhs.description < rhs.description }
}

extension X500Name: Codable {
    /// Decodes the canonical (or any parseable) string form, validating it with ``ValidationMode/minimal``.
    public init(from decoder: any Decoder) throws {
        self = try IdentityError.decodeString(from: decoder) { (string) throws(IdentityError) in try X500Name(string) }
    }

    /// Encodes the canonical string.
    public func encode(to encoder: any Encoder) throws { try IdentityError.encodeString(description, to: encoder) }
}
