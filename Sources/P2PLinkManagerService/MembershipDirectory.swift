public import P2PBus
public import P2PCrypto
public import P2PIdentity
public import P2PMembership
public import P2PSession
import Synchronization

/// What the link manager needs from membership, read live from the bus tables through
/// `P2PMembership`'s readers: hosted identities with their session signing keys (opened with the
/// cluster key), members with endpoints and session keys, and group policies.
///
/// Lookups are answered from indexes built on first use and dropped whenever any of the tables
/// changes, so a change applies to the next message.
public final class MembershipDirectory: Sendable, SessionKeyLookup {
    /// A member of a group that we can send to.
    public struct Peer: Sendable {
        public let identity: HoldingIdentity
        public let endpoints: [String]
        public let sessionKey: Ed25519.VerifyingKey
        public let isActive: Bool
    }

    /// An identity hosted in this cluster, with its session signing key.
    public struct Hosted: Sendable {
        public let identity: HoldingIdentity
        public let signingKey: Ed25519.SigningKey
        public let keyHash: [UInt8]
    }

    struct Index: Sendable {
        var peers: [HoldingIdentity: Peer] = [:]
        var peersByHash: [String: Peer] = [:]
        var hosted: [HoldingIdentity: Hosted] = [:]
        var hostedByHash: [String: Hosted] = [:]
        var policies: [String: GroupPolicy] = [:]
    }

    public let members: TableReader<MemberInfo>
    public let hostedIdentities: TableReader<HostedIdentity>
    public let keys: TableReader<TenantKey>
    public let policies: TableReader<GroupPolicy>
    private let clusterKey: ClusterKey
    private let index = Mutex<Index?>(nil)

    public init(bus: any MessageBus, clusterKey: ClusterKey) async throws {
        members = try await TableReader(bus: bus)
        hostedIdentities = try await TableReader(bus: bus)
        keys = try await TableReader(bus: bus)
        policies = try await TableReader(bus: bus)
        self.clusterKey = clusterKey
    }

    /// Loads every table and follows its changes.
    public func start() async throws {
        let invalidate: @Sendable () -> Void = { [weak self] in self?.index.withLock { $0 = nil } }
        try members.subscribe { _ in invalidate() }
        try hostedIdentities.subscribe { _ in invalidate() }
        try keys.subscribe { _ in invalidate() }
        try policies.subscribe { _ in invalidate() }
        try await members.start()
        try await hostedIdentities.start()
        try await keys.start()
        try await policies.start()
        invalidate()
    }

    public func stop() {
        members.stop()
        hostedIdentities.stop()
        keys.stop()
        policies.stop()
    }

    // MARK: Lookups

    public func isHosted(_ identity: HoldingIdentity) -> Bool { current().hosted[identity] != nil }
    public func hosted(_ identity: HoldingIdentity) -> Hosted? { current().hosted[identity] }
    public func peer(_ identity: HoldingIdentity) -> Peer? { current().peers[identity] }
    public var hostedIdentityList: [HoldingIdentity] { Array(current().hosted.keys).sorted() }

    public func peer(keyHash: [UInt8], groupID: String) -> Peer? {
        current().peersByHash[Self.hashKey(keyHash, groupID)]
    }

    public func hosted(keyHash: [UInt8], groupID: String) -> Hosted? {
        current().hostedByHash[Self.hashKey(keyHash, groupID)]
    }

    /// The session modes and maximum message size of `group` (all modes, 1 MB when it has no policy).
    public func sessionSettings(group: GroupID) -> (modes: ProtocolModes, maxMessageSize: Int) {
        guard let policy = current().policies[group.value] else { return (.all, GroupParameters.defaultMaxMessageSize) }
        var modes: ProtocolModes = []
        for mode in policy.protocolModes {
            switch mode {
            case .authenticationOnly: modes.insert(.authenticationOnly)
            case .authenticatedEncryption: modes.insert(.authenticatedEncryption)
            }
        }
        return (modes.isEmpty ? .all : modes, policy.parameters.maxMessageSize)
    }

    public func localIdentity(keyHash: [UInt8], groupID: String) -> LocalIdentityLookupResult {
        if let hosted = hosted(keyHash: keyHash, groupID: groupID) { return .found(hosted.signingKey) }
        let hash = Self.hex(keyHash)
        return current().hostedByHash.keys.contains { $0.hasPrefix(hash + "@") } ? .notInGroup : .unknownKeyHash
    }

    public func peerIdentity(keyHash: [UInt8], groupID: String) -> Ed25519.VerifyingKey? {
        peer(keyHash: keyHash, groupID: groupID)?.sessionKey
    }

    // MARK: Index

    private func current() -> Index {
        if let index = index.withLock({ $0 }) { return index }
        let built = build()
        index.withLock { $0 = built }
        return built
    }

    private func build() -> Index {
        var result = Index()
        for policy in policies.records.values { result.policies[policy.groupId.value] = policy }
        for member in members.records.values {
            guard let key = try? member.sessionVerifyingKeys().first else { continue }
            let peer = Peer(
                identity: member.holdingIdentity, endpoints: member.endpoints, sessionKey: key,
                isActive: member.status == .active)
            result.peers[member.holdingIdentity] = peer
            result.peersByHash[Self.hashKey(sessionKeyHash(key), member.holdingIdentity.groupID.value)] = peer
        }
        let tenantKeys = Array(keys.records.values)
        for identity in hostedIdentities.records.values {
            guard let publicKey = try? SessionKeyPEM.verifyingKey(pem: identity.sessionPublicKey, field: "sessionPublicKey"),
                let signingKey = signingKey(tenant: identity.sessionKeyTenantId, matching: publicKey, among: tenantKeys)
            else { continue }
            let hash = sessionKeyHash(publicKey)
            let hosted = Hosted(identity: identity.holdingIdentity, signingKey: signingKey, keyHash: hash)
            result.hosted[identity.holdingIdentity] = hosted
            result.hostedByHash[Self.hashKey(hash, identity.holdingIdentity.groupID.value)] = hosted
        }
        return result
    }

    private func signingKey(tenant: String, matching publicKey: Ed25519.VerifyingKey, among keys: [TenantKey]) -> Ed25519.SigningKey? {
        for record in keys where record.tenantId == tenant && record.algorithm == "Ed25519" {
            guard let key = try? record.unseal(with: clusterKey).sessionSigningKey() else { continue }
            if key.verifyingKey.rawRepresentation == publicKey.rawRepresentation { return key }
        }
        return nil
    }

    /// The unsealed private key of `tenant` whose public key is `publicKeyDER` (TLS keys).
    public func privateKey(tenant: String, where matches: (UnsealedKey) -> Bool) -> UnsealedKey? {
        for record in keys.records.values where record.tenantId == tenant {
            guard let key = try? record.unseal(with: clusterKey), matches(key) else { continue }
            return key
        }
        return nil
    }

    static func hashKey(_ hash: [UInt8], _ group: String) -> String { hex(hash) + "@" + group }

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { $0 < 16 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }
}
