public import P2PMembership
import Foundation

/// A group to add or replace (`add-group`, `groupsToAdd[]`).
public struct GroupInput: Codable, Sendable, Hashable {
    public var groupId: String
    /// `AUTHENTICATION_ONLY`, `AUTHENTICATED_ENCRYPTION`; default both.
    public var protocolModes: [String]
    /// PEM CA certificates, one per element.
    public var trustRootCertificates: [String]
    /// Bytes; default ``GroupParameters/defaultMaxMessageSize``.
    public var maxMessageSize: Int

    public init(
        groupId: String, protocolModes: [String] = GroupProtocolMode.allCases.map(\.rawValue), trustRootCertificates: [String],
        maxMessageSize: Int = GroupParameters.defaultMaxMessageSize
    ) {
        self.groupId = groupId
        self.protocolModes = protocolModes
        self.trustRootCertificates = trustRootCertificates
        self.maxMessageSize = maxMessageSize
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case groupId, protocolModes, trustRootCertificates, maxMessageSize }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownFields(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        groupId = try c.decode(String.self, forKey: .groupId)
        protocolModes = try c.decodeIfPresent([String].self, forKey: .protocolModes) ?? GroupProtocolMode.allCases.map(\.rawValue)
        trustRootCertificates = try c.decode([String].self, forKey: .trustRootCertificates)
        maxMessageSize = try c.decodeIfPresent(Int.self, forKey: .maxMessageSize) ?? GroupParameters.defaultMaxMessageSize
    }
}

/// A member to add or replace (`add-member`, `membersToAdd[]`).
public struct MemberInput: Codable, Sendable, Hashable {
    public var x500Name: String
    public var groupId: String
    /// `https://host[:port][/path]`, at least one.
    public var endpoints: [String]
    /// PEM Ed25519 public keys, at least one.
    public var sessionPublicKeys: [String]
    /// `ACTIVE` (default) or `SUSPENDED`.
    public var status: String
    /// Optional: when absent, 1 for a new member and one more than the stored serial for a change.
    public var serial: UInt64?

    public init(
        x500Name: String, groupId: String, endpoints: [String], sessionPublicKeys: [String], status: String = "ACTIVE",
        serial: UInt64? = nil
    ) {
        self.x500Name = x500Name
        self.groupId = groupId
        self.endpoints = endpoints
        self.sessionPublicKeys = sessionPublicKeys
        self.status = status
        self.serial = serial
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case x500Name, groupId, endpoints, sessionPublicKeys, status, serial }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownFields(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        x500Name = try c.decode(String.self, forKey: .x500Name)
        groupId = try c.decode(String.self, forKey: .groupId)
        endpoints = try c.decode([String].self, forKey: .endpoints)
        sessionPublicKeys = try c.decode([String].self, forKey: .sessionPublicKeys)
        status = try c.decodeIfPresent(String.self, forKey: .status) ?? MemberStatus.active.rawValue
        serial = try c.decodeIfPresent(UInt64.self, forKey: .serial)
    }
}

/// An identity this cluster hosts (`add-identity`, `identitiesToAdd[]`).
public struct IdentityInput: Codable, Sendable, Hashable {
    public var x500Name: String
    public var groupId: String
    public var tlsTenantId: String
    public var sessionKeyTenantId: String
    /// PEM certificates, leaf first, one per element.
    public var tlsCertificates: [String]
    /// PEM Ed25519 public key.
    public var sessionPublicKey: String

    public init(
        x500Name: String, groupId: String, tlsTenantId: String, sessionKeyTenantId: String, tlsCertificates: [String],
        sessionPublicKey: String
    ) {
        self.x500Name = x500Name
        self.groupId = groupId
        self.tlsTenantId = tlsTenantId
        self.sessionKeyTenantId = sessionKeyTenantId
        self.tlsCertificates = tlsCertificates
        self.sessionPublicKey = sessionPublicKey
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case x500Name, groupId, tlsTenantId, sessionKeyTenantId, tlsCertificates, sessionPublicKey
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownFields(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        x500Name = try c.decode(String.self, forKey: .x500Name)
        groupId = try c.decode(String.self, forKey: .groupId)
        tlsTenantId = try c.decode(String.self, forKey: .tlsTenantId)
        sessionKeyTenantId = try c.decode(String.self, forKey: .sessionKeyTenantId)
        tlsCertificates = try c.decode([String].self, forKey: .tlsCertificates)
        sessionPublicKey = try c.decode(String.self, forKey: .sessionPublicKey)
    }
}

/// A key pair to upload for a tenant (`add-keys`, `keysToAdd[]`). Sealed before it reaches the bus.
public struct KeysInput: Codable, Sendable, Hashable, CustomStringConvertible {
    public var tenantId: String
    /// PEM private key: PKCS#8 or the traditional RSA / EC forms; Ed25519, EC P-256 or RSA.
    public var privateKey: String

    public init(tenantId: String, privateKey: String) {
        self.tenantId = tenantId
        self.privateKey = privateKey
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case tenantId, privateKey }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownFields(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        tenantId = try c.decode(String.self, forKey: .tenantId)
        privateKey = try c.decode(String.self, forKey: .privateKey)
    }

    public var description: String { "KeysInput(tenantId: \(tenantId), privateKey: redacted)" }
}

/// Names a member or hosted identity to remove.
public struct IdentityReference: Codable, Sendable, Hashable {
    public var x500Name: String
    public var groupId: String

    public init(x500Name: String, groupId: String) {
        self.x500Name = x500Name
        self.groupId = groupId
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case x500Name, groupId }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownFields(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        x500Name = try c.decode(String.self, forKey: .x500Name)
        groupId = try c.decode(String.self, forKey: .groupId)
    }
}

/// A whole network in one file (`p2p setup apply`). Every field is optional. See `docs/membership.md`.
public struct NetworkFile: Codable, Sendable, Hashable {
    /// The largest file `apply` reads.
    public static let maximumBytes = 4 * 1024 * 1024
    /// The most entries of one list.
    public static let maximumEntries = 10_000

    public var schemaVersion: Int
    public var gatewayConfig: GatewayConfiguration?
    public var linkManagerConfig: LinkManagerConfiguration?
    public var groupsToAdd: [GroupInput]
    public var keysToAdd: [KeysInput]
    public var membersToAdd: [MemberInput]
    public var identitiesToAdd: [IdentityInput]
    public var groupsToRemove: [String]
    public var membersToRemove: [IdentityReference]
    public var identitiesToRemove: [IdentityReference]

    public init(
        gatewayConfig: GatewayConfiguration? = nil, linkManagerConfig: LinkManagerConfiguration? = nil,
        groupsToAdd: [GroupInput] = [], keysToAdd: [KeysInput] = [], membersToAdd: [MemberInput] = [],
        identitiesToAdd: [IdentityInput] = [], groupsToRemove: [String] = [], membersToRemove: [IdentityReference] = [],
        identitiesToRemove: [IdentityReference] = []
    ) {
        self.schemaVersion = 1
        self.gatewayConfig = gatewayConfig
        self.linkManagerConfig = linkManagerConfig
        self.groupsToAdd = groupsToAdd
        self.keysToAdd = keysToAdd
        self.membersToAdd = membersToAdd
        self.identitiesToAdd = identitiesToAdd
        self.groupsToRemove = groupsToRemove
        self.membersToRemove = membersToRemove
        self.identitiesToRemove = identitiesToRemove
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case schemaVersion, gatewayConfig, linkManagerConfig, groupsToAdd, keysToAdd, membersToAdd, identitiesToAdd,
            groupsToRemove, membersToRemove, identitiesToRemove
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownFields(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        schemaVersion = try c.decodeIfPresent(Int.self, forKey: .schemaVersion) ?? 1
        gatewayConfig = try c.decodeIfPresent(GatewayConfiguration.self, forKey: .gatewayConfig)
        linkManagerConfig = try c.decodeIfPresent(LinkManagerConfiguration.self, forKey: .linkManagerConfig)
        groupsToAdd = try c.decodeIfPresent([GroupInput].self, forKey: .groupsToAdd) ?? []
        keysToAdd = try c.decodeIfPresent([KeysInput].self, forKey: .keysToAdd) ?? []
        membersToAdd = try c.decodeIfPresent([MemberInput].self, forKey: .membersToAdd) ?? []
        identitiesToAdd = try c.decodeIfPresent([IdentityInput].self, forKey: .identitiesToAdd) ?? []
        groupsToRemove = try c.decodeIfPresent([String].self, forKey: .groupsToRemove) ?? []
        membersToRemove = try c.decodeIfPresent([IdentityReference].self, forKey: .membersToRemove) ?? []
        identitiesToRemove = try c.decodeIfPresent([IdentityReference].self, forKey: .identitiesToRemove) ?? []
    }

    /// Parses a file's bytes; errors name the field.
    public static func parse(_ bytes: [UInt8]) throws(MembershipError) -> NetworkFile {
        let file = try StrictJSON.decode(NetworkFile.self, from: bytes, maximumBytes: maximumBytes)
        guard file.schemaVersion == 1 else {
            throw MembershipError(.unsupportedSchemaVersion, field: "schemaVersion", "this build reads version 1")
        }
        return file
    }
}
