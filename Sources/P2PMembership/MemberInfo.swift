public import P2PIdentity
public import P2PCrypto

/// Whether a member may be sent to.
public enum MemberStatus: String, Codable, Sendable, Hashable, CaseIterable {
    case active = "ACTIVE"
    case suspended = "SUSPENDED"
}

/// A member of a group as every cluster sees it: where its gateways are and its session keys.
/// Table `p2p.members.info`, key `hex(SHA-256(canonical holding identity))`.
public struct MemberInfo: MembershipRecord, Hashable {
    public static let tableName = MembershipTables.membersInfo

    public var schemaVersion: Int
    public var holdingIdentity: HoldingIdentity
    /// `https://` URLs of the member's gateways, in order of preference.
    public var endpoints: [String]
    /// PEM SubjectPublicKeyInfo of the member's Ed25519 session keys (the first is current).
    public var sessionPublicKeys: [String]
    public var status: MemberStatus
    /// Increases with every change of the record.
    public var serial: UInt64

    public init(holdingIdentity: HoldingIdentity, endpoints: [String], sessionPublicKeys: [String], status: MemberStatus, serial: UInt64) {
        self.schemaVersion = Self.currentSchemaVersion
        self.holdingIdentity = holdingIdentity
        self.endpoints = endpoints
        self.sessionPublicKeys = sessionPublicKeys
        self.status = status
        self.serial = serial
    }

    public var tableKey: String { MembershipTables.identityKey(holdingIdentity.description) }

    /// The session keys as raw Ed25519 keys, for the handshake.
    public func sessionVerifyingKeys() throws(MembershipError) -> [Ed25519.VerifyingKey] {
        var keys: [Ed25519.VerifyingKey] = []
        for (index, pem) in sessionPublicKeys.enumerated() {
            keys.append(try SessionKeyPEM.verifyingKey(pem: pem, field: "sessionPublicKeys[\(index)]"))
        }
        return keys
    }

    /// Same content except the serial.
    func sameContent(as other: MemberInfo) -> Bool {
        var copy = other
        copy.serial = serial
        return copy == self
    }
}
