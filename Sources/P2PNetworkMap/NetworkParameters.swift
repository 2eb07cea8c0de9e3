public import P2PIdentity
public import P2PMembership

/// The parameters every member of the network applies (`network-parameters`).
public struct NetworkParameters: SignedPayload, Hashable {
    public static let payloadType = "network-parameters"
    public static let maximumBytes = 16 * 1024
    /// The shortest and longest event horizon accepted, in seconds (one minute, 100 years).
    public static let eventHorizonRange: ClosedRange<Int64> = 60...3_153_600_000

    public var groupId: GroupID
    /// At least 1; raised whenever a parameter changes.
    public var epoch: Int64
    /// Unix time of the last change, in milliseconds.
    public var modifiedTimeMillis: Int64
    /// Sorted, without duplicates, at least one.
    public var protocolModes: [GroupProtocolMode]
    public var maxMessageSize: Int
    public var minimumPlatformVersion: Int
    /// Entries not republished for this long are dropped from the map.
    public var eventHorizonSeconds: Int64

    public init(
        groupId: GroupID, epoch: Int64, modifiedTimeMillis: Int64, protocolModes: [GroupProtocolMode], maxMessageSize: Int,
        minimumPlatformVersion: Int, eventHorizonSeconds: Int64
    ) {
        self.groupId = groupId
        self.epoch = epoch
        self.modifiedTimeMillis = modifiedTimeMillis
        self.protocolModes = Array(Set(protocolModes)).sorted()
        self.maxMessageSize = maxMessageSize
        self.minimumPlatformVersion = minimumPlatformVersion
        self.eventHorizonSeconds = eventHorizonSeconds
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case type, formatVersion, groupId, epoch, modifiedTimeMillis, protocolModes, maxMessageSize, minimumPlatformVersion,
            eventHorizonSeconds
    }

    /// The operator's input (`network-parameters.json`): the same fields without `type` and `formatVersion`.
    enum InputKeys: String, CodingKey, CaseIterable {
        case groupId, epoch, modifiedTimeMillis, protocolModes, maxMessageSize, minimumPlatformVersion, eventHorizonSeconds
    }

    public init(from decoder: any Decoder) throws {
        let signed = try decoder.container(keyedBy: AnyKey.self).contains(AnyKey("type"))
        if signed { try decoder.rejectUnknownFields(CodingKeys.self) } else { try decoder.rejectUnknownFields(InputKeys.self) }
        let c = try decoder.container(keyedBy: CodingKeys.self)
        groupId = try c.decode(GroupID.self, forKey: .groupId)
        epoch = try c.decode(Int64.self, forKey: .epoch)
        modifiedTimeMillis = try c.decode(Int64.self, forKey: .modifiedTimeMillis)
        protocolModes = try c.decode([GroupProtocolMode].self, forKey: .protocolModes)
        maxMessageSize = try c.decode(Int.self, forKey: .maxMessageSize)
        minimumPlatformVersion = try c.decode(Int.self, forKey: .minimumPlatformVersion)
        eventHorizonSeconds = try c.decode(Int64.self, forKey: .eventHorizonSeconds)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(Self.payloadType, forKey: .type)
        try c.encode(payloadFormatVersion, forKey: .formatVersion)
        try c.encode(groupId, forKey: .groupId)
        try c.encode(epoch, forKey: .epoch)
        try c.encode(modifiedTimeMillis, forKey: .modifiedTimeMillis)
        try c.encode(protocolModes, forKey: .protocolModes)
        try c.encode(maxMessageSize, forKey: .maxMessageSize)
        try c.encode(minimumPlatformVersion, forKey: .minimumPlatformVersion)
        try c.encode(eventHorizonSeconds, forKey: .eventHorizonSeconds)
    }

    public func validate() throws(NetworkMapError) {
        guard epoch >= 1 else { throw NetworkMapError(.invalidParameters, "epoch: must be at least 1") }
        guard modifiedTimeMillis >= 0 else { throw NetworkMapError(.invalidParameters, "modifiedTimeMillis: must not be negative") }
        guard !protocolModes.isEmpty, protocolModes == Array(Set(protocolModes)).sorted() else {
            throw NetworkMapError(.invalidParameters, "protocolModes: 1–2 modes, sorted, without duplicates")
        }
        let sizes = GroupParameters.maxMessageSizeRange
        guard sizes.contains(maxMessageSize) else {
            throw NetworkMapError(.invalidParameters, "maxMessageSize: must be between \(sizes.lowerBound) and \(sizes.upperBound) bytes")
        }
        guard minimumPlatformVersion >= 1 else {
            throw NetworkMapError(.invalidParameters, "minimumPlatformVersion: must be at least 1")
        }
        guard Self.eventHorizonRange.contains(eventHorizonSeconds) else {
            throw NetworkMapError(
                .invalidParameters,
                "eventHorizonSeconds: must be between \(Self.eventHorizonRange.lowerBound) and \(Self.eventHorizonRange.upperBound)")
        }
    }

    /// Reads the operator's input file (the payload without `type` and `formatVersion`).
    public static func parseInput(_ bytes: [UInt8]) throws(NetworkMapError) -> NetworkParameters {
        let parameters: NetworkParameters
        do {
            parameters = try StrictJSON.decode(NetworkParameters.self, from: bytes, maximumBytes: maximumBytes)
        } catch {
            throw NetworkMapError(.invalidParameters, SignedEnvelope.describe(error))
        }
        try parameters.validate()
        return parameters
    }
}

/// A coding key for any field name.
struct AnyKey: CodingKey {
    let stringValue: String
    let intValue: Int? = nil
    init(_ string: String) { stringValue = string }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
