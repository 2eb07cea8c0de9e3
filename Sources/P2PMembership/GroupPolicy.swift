public import P2PIdentity

/// A session protocol mode a group allows, by its Corda name.
public enum GroupProtocolMode: String, Codable, Sendable, Hashable, CaseIterable, Comparable {
    case authenticationOnly = "AUTHENTICATION_ONLY"
    case authenticatedEncryption = "AUTHENTICATED_ENCRYPTION"

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Parameters every member of a group applies.
public struct GroupParameters: Codable, Sendable, Hashable {
    /// The default largest application payload, in bytes (Corda's link-manager default).
    public static let defaultMaxMessageSize = 1_000_000
    /// The session protocol's floor and ceiling (`P2PSession.SessionLimits`).
    public static let maxMessageSizeRange = 10_000...(16 * 1024 * 1024)

    /// The largest application payload a session of this group carries, in bytes.
    public var maxMessageSize: Int

    public init(maxMessageSize: Int = GroupParameters.defaultMaxMessageSize) {
        self.maxMessageSize = maxMessageSize
    }
}

/// A group (application network): its trust roots, allowed protocol modes and parameters.
/// Table `p2p.group.policies`, key `hex(SHA-256(groupId))`.
public struct GroupPolicy: MembershipRecord, Hashable {
    public static let tableName = MembershipTables.groupPolicies

    public var schemaVersion: Int
    public var groupId: GroupID
    /// Sorted, without duplicates, at least one.
    public var protocolModes: [GroupProtocolMode]
    /// PEM certificates (one per element) that TLS certificate chains of the group must lead to.
    public var trustRootCertificates: [String]
    public var parameters: GroupParameters

    public init(groupId: GroupID, protocolModes: [GroupProtocolMode], trustRootCertificates: [String], parameters: GroupParameters) {
        self.schemaVersion = Self.currentSchemaVersion
        self.groupId = groupId
        self.protocolModes = Array(Set(protocolModes)).sorted()
        self.trustRootCertificates = trustRootCertificates
        self.parameters = parameters
    }

    public var tableKey: String { MembershipTables.groupKey(groupId.value) }
}
