public import P2PIdentity
import P2PMembership

/// The map itself (`network-map`): the hashes of every current member record and of the current
/// parameters, signed by the network-map key.
public struct NetworkMap: SignedPayload, Hashable {
    public static let payloadType = "network-map"
    /// The most entries one map lists.
    public static let maximumEntries = 10_000
    public static let maximumBytes = 1024 * 1024

    public var groupId: GroupID
    public var networkParametersHash: SecureHash
    /// Sorted, without duplicates.
    public var nodeInfoHashes: [SecureHash]

    public init(groupId: GroupID, networkParametersHash: SecureHash, nodeInfoHashes: [SecureHash]) {
        self.groupId = groupId
        self.networkParametersHash = networkParametersHash
        self.nodeInfoHashes = Array(Set(nodeInfoHashes)).sorted()
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case type, formatVersion, groupId, networkParametersHash, nodeInfoHashes }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownFields(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        groupId = try c.decode(GroupID.self, forKey: .groupId)
        networkParametersHash = try c.decode(SecureHash.self, forKey: .networkParametersHash)
        nodeInfoHashes = try c.decode([SecureHash].self, forKey: .nodeInfoHashes)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(Self.payloadType, forKey: .type)
        try c.encode(payloadFormatVersion, forKey: .formatVersion)
        try c.encode(groupId, forKey: .groupId)
        try c.encode(networkParametersHash, forKey: .networkParametersHash)
        try c.encode(nodeInfoHashes, forKey: .nodeInfoHashes)
    }

    public func validate() throws(NetworkMapError) {
        guard nodeInfoHashes.count <= Self.maximumEntries else {
            throw NetworkMapError(.tooLarge, "nodeInfoHashes: more than \(Self.maximumEntries)")
        }
        guard zip(nodeInfoHashes, nodeInfoHashes.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw NetworkMapError(.malformedPayload, "nodeInfoHashes: must be sorted without duplicates")
        }
    }
}

/// A member's acknowledgement of network parameters (`parameters-ack`).
public struct ParametersAck: SignedPayload, Hashable {
    public static let payloadType = "parameters-ack"
    public static let maximumBytes = 1024

    public var parametersHash: SecureHash

    public init(parametersHash: SecureHash) { self.parametersHash = parametersHash }

    enum CodingKeys: String, CodingKey, CaseIterable { case type, formatVersion, parametersHash }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownFields(CodingKeys.self)
        parametersHash = try decoder.container(keyedBy: CodingKeys.self).decode(SecureHash.self, forKey: .parametersHash)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(Self.payloadType, forKey: .type)
        try c.encode(payloadFormatVersion, forKey: .formatVersion)
        try c.encode(parametersHash, forKey: .parametersHash)
    }

    public func validate() throws(NetworkMapError) {}
}
