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
    /// New parameters announced for a flag day, if any.
    public var parametersUpdate: ParametersUpdate?

    public init(groupId: GroupID, networkParametersHash: SecureHash, nodeInfoHashes: [SecureHash], parametersUpdate: ParametersUpdate? = nil) {
        self.groupId = groupId
        self.networkParametersHash = networkParametersHash
        self.nodeInfoHashes = Array(Set(nodeInfoHashes)).sorted()
        self.parametersUpdate = parametersUpdate
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case type, formatVersion, groupId, networkParametersHash, nodeInfoHashes, parametersUpdate
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownFields(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        groupId = try c.decode(GroupID.self, forKey: .groupId)
        networkParametersHash = try c.decode(SecureHash.self, forKey: .networkParametersHash)
        nodeInfoHashes = try c.decode([SecureHash].self, forKey: .nodeInfoHashes)
        parametersUpdate = try c.decodeIfPresent(ParametersUpdate.self, forKey: .parametersUpdate)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(Self.payloadType, forKey: .type)
        try c.encode(payloadFormatVersion, forKey: .formatVersion)
        try c.encode(groupId, forKey: .groupId)
        try c.encode(networkParametersHash, forKey: .networkParametersHash)
        try c.encode(nodeInfoHashes, forKey: .nodeInfoHashes)
        try c.encodeIfPresent(parametersUpdate, forKey: .parametersUpdate)
    }

    public func validate() throws(NetworkMapError) {
        guard nodeInfoHashes.count <= Self.maximumEntries else {
            throw NetworkMapError(.tooLarge, "nodeInfoHashes: more than \(Self.maximumEntries)")
        }
        guard zip(nodeInfoHashes, nodeInfoHashes.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw NetworkMapError(.malformedPayload, "nodeInfoHashes: must be sorted without duplicates")
        }
        if let parametersUpdate {
            guard parametersUpdate.description.utf8.count <= ParametersUpdate.maximumDescriptionBytes else {
                throw NetworkMapError(.malformedPayload, "parametersUpdate.description: longer than \(ParametersUpdate.maximumDescriptionBytes) bytes")
            }
            guard parametersUpdate.newParametersHash != networkParametersHash else {
                throw NetworkMapError(.malformedPayload, "parametersUpdate.newParametersHash: the current parameters")
            }
        }
    }
}

/// Parameters announced to replace the current ones at a deadline (the flag day).
public struct ParametersUpdate: Codable, Sendable, Hashable {
    public static let maximumDescriptionBytes = 1024

    public var newParametersHash: SecureHash
    /// What changes and why, for operators.
    public var description: String
    /// When the new parameters become current (Unix milliseconds).
    public var updateDeadlineMillis: Int64

    public init(newParametersHash: SecureHash, description: String, updateDeadlineMillis: Int64) {
        self.newParametersHash = newParametersHash
        self.description = description
        self.updateDeadlineMillis = updateDeadlineMillis
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case newParametersHash, description, updateDeadlineMillis }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownFields(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        newParametersHash = try c.decode(SecureHash.self, forKey: .newParametersHash)
        description = try c.decode(String.self, forKey: .description)
        updateDeadlineMillis = try c.decode(Int64.self, forKey: .updateDeadlineMillis)
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
