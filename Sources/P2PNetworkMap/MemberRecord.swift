public import P2PMembership
import Foundation
import P2PIdentity

/// A member's record on the network map (`member-info`): its `MemberInfo` as `p2p.members.info` holds
/// it, and the platform version of the software that published it.
public struct MemberRecord: SignedPayload, Hashable {
    public static let payloadType = "member-info"
    public static let maximumBytes = 128 * 1024
    /// The platform version this build publishes.
    public static let currentPlatformVersion = 1
    public static let maximumEndpoints = 16
    public static let maximumSessionKeys = 8
    public static let maximumEndpointBytes = 2048

    public var platformVersion: Int
    public var member: MemberInfo

    public init(member: MemberInfo, platformVersion: Int = MemberRecord.currentPlatformVersion) {
        self.member = member
        self.platformVersion = platformVersion
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case type, formatVersion, platformVersion, member }
    enum MemberKeys: String, CodingKey, CaseIterable { case schemaVersion, holdingIdentity, endpoints, sessionPublicKeys, status, serial }
    enum IdentityKeys: String, CodingKey, CaseIterable { case x500Name, groupId }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownFields(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        platformVersion = try c.decode(Int.self, forKey: .platformVersion)
        member = try c.decode(StrictMember.self, forKey: .member).member
    }

    /// A `MemberInfo` decoded strictly (unknown fields refused, also inside `holdingIdentity`).
    struct StrictMember: Decodable {
        let member: MemberInfo

        init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownFields(MemberKeys.self)
            let identityDecoder = try decoder.container(keyedBy: MemberKeys.self).superDecoder(forKey: .holdingIdentity)
            try identityDecoder.rejectUnknownFields(IdentityKeys.self)
            member = try MemberInfo(from: decoder)
        }
    }

    /// Reads a `MemberInfo` in JSON (the `member` object of the payload, as `p2p network-map publish`
    /// takes it), strictly, and checks the record's rules.
    public static func parseMember(_ bytes: [UInt8]) throws(NetworkMapError) -> MemberRecord {
        let member: StrictMember
        do {
            member = try StrictJSON.decode(StrictMember.self, from: bytes, maximumBytes: maximumBytes)
        } catch {
            throw NetworkMapError(.invalidMember, SignedEnvelope.describe(error))
        }
        let record = MemberRecord(member: member.member)
        try record.validate()
        return record
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(Self.payloadType, forKey: .type)
        try c.encode(payloadFormatVersion, forKey: .formatVersion)
        try c.encode(platformVersion, forKey: .platformVersion)
        try c.encode(member, forKey: .member)
    }

    /// The rules `p2p setup` applies to a member, checked here so that a server never stores, and a
    /// client never writes, a record the bus would refuse.
    public func validate() throws(NetworkMapError) {
        guard platformVersion >= 1 else { throw NetworkMapError(.invalidMember, "platformVersion: must be at least 1") }
        guard member.schemaVersion == MemberInfo.currentSchemaVersion else {
            throw NetworkMapError(.unsupportedFormatVersion, "member.schemaVersion: this build reads \(MemberInfo.currentSchemaVersion)")
        }
        guard member.serial >= 1 else { throw NetworkMapError(.invalidMember, "member.serial: must be at least 1") }
        guard (1...Self.maximumEndpoints).contains(member.endpoints.count) else {
            throw NetworkMapError(.invalidMember, "member.endpoints: must list 1…\(Self.maximumEndpoints) https URLs")
        }
        for (index, text) in member.endpoints.enumerated() {
            guard text.utf8.count <= Self.maximumEndpointBytes, let url = URLComponents(string: text),
                url.scheme?.lowercased() == "https", let host = url.host, !host.isEmpty, url.user == nil, url.password == nil,
                url.query == nil, url.fragment == nil, url.port.map({ (1...65_535).contains($0) }) ?? true
            else {
                throw NetworkMapError(.invalidMember, "member.endpoints[\(index)]: must be an https URL (https://host[:port][/path])")
            }
        }
        guard (1...Self.maximumSessionKeys).contains(member.sessionPublicKeys.count) else {
            throw NetworkMapError(.invalidMember, "member.sessionPublicKeys: must list 1…\(Self.maximumSessionKeys) Ed25519 keys")
        }
        for (index, pem) in member.sessionPublicKeys.enumerated() {
            do {
                _ = try SessionKeyPEM.verifyingKey(pem: pem, field: "member.sessionPublicKeys[\(index)]")
            } catch {
                throw NetworkMapError(.invalidMember, "member.sessionPublicKeys[\(index)]: \(error.detail)")
            }
        }
    }
}
