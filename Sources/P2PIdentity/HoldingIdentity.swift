/// A virtual node's identity: a legal name within one application network.
///
/// Its canonical text form is the name's canonical string, `@`, and the group id:
/// `CN=Alice, O=Alice Corp, L=London, C=GB@6b4fd0c5-2f3a-4b7e-9a43-0d1c2e3f4a5b`.
/// A group id never contains `@`, so the last `@` separates the two.
public struct HoldingIdentity: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let name: X500Name
    public let groupID: GroupID

    public init(name: X500Name, groupID: GroupID) {
        self.name = name
        self.groupID = groupID
    }

    /// Parses the text form `<X.500 name>@<group id>`.
    public init(parsing string: String, validation: X500Name.ValidationMode = .minimal) throws(IdentityError) {
        guard let at = string.lastIndex(of: "@") else {
            throw IdentityError(.malformedHoldingIdentity, "expected <X.500 name>@<group id>")
        }
        self.groupID = try GroupID(String(string[string.index(after: at)...]))
        self.name = try X500Name(String(string[..<at]), validation: validation)
    }

    public var description: String { "\(name)@\(groupID)" }

    /// Ordered by group, then by name.
    public static func < (lhs: HoldingIdentity, rhs: HoldingIdentity) -> Bool {
        (lhs.groupID, lhs.name) < (rhs.groupID, rhs.name)
    }
}

extension HoldingIdentity: Codable {
    /// The field names of Corda 5's `HoldingIdentity` record.
    enum CodingKeys: String, CodingKey {
        case name = "x500Name"
        case groupID = "groupId"
    }
}
