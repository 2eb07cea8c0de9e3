public import P2PIdentity

/// An identity this cluster hosts: its TLS chain and which tenants hold its TLS and session keys.
/// Table `p2p.hosted.identities`, key `hex(SHA-256(canonical holding identity))`.
public struct HostedIdentity: MembershipRecord, Hashable {
    public static let tableName = MembershipTables.hostedIdentities

    public var schemaVersion: Int
    public var holdingIdentity: HoldingIdentity
    /// The tenant whose uploaded key matches the TLS leaf certificate (the gateway signs TLS with it).
    public var tlsTenantId: String
    /// The tenant whose uploaded key matches `sessionPublicKey` (the link manager signs handshakes with it).
    public var sessionKeyTenantId: String
    /// PEM certificates, leaf first, then intermediates; chains to the group's trust roots.
    public var tlsCertificates: [String]
    /// PEM SubjectPublicKeyInfo of the identity's Ed25519 session key.
    public var sessionPublicKey: String

    public init(
        holdingIdentity: HoldingIdentity, tlsTenantId: String, sessionKeyTenantId: String, tlsCertificates: [String],
        sessionPublicKey: String
    ) {
        self.schemaVersion = Self.currentSchemaVersion
        self.holdingIdentity = holdingIdentity
        self.tlsTenantId = tlsTenantId
        self.sessionKeyTenantId = sessionKeyTenantId
        self.tlsCertificates = tlsCertificates
        self.sessionPublicKey = sessionPublicKey
    }

    public var tableKey: String { MembershipTables.identityKey(holdingIdentity.description) }
}
