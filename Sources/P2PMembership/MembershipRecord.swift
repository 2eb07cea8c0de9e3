public import P2PBus
import Foundation

/// A record kept in one compacted bus table, under a key derived from its content's identity.
///
/// Every record is JSON (sorted keys, UTF-8) with a `schemaVersion` field; see `docs/membership.md`.
public protocol MembershipRecord: Codable, Sendable, Equatable {
    /// The table the record lives in.
    static var tableName: String { get }
    /// The schema version this code writes and reads.
    static var currentSchemaVersion: Int { get }
    /// The table key: derived from the record's identity (never a raw string from the input).
    var tableKey: String { get }
}

extension MembershipRecord {
    public static var currentSchemaVersion: Int { 1 }

    /// The bytes stored on the bus.
    public func encoded() -> [UInt8] { StrictJSON.encode(self) }

    /// Decodes a table entry, checking the schema version and that the entry's key is the record's key.
    public static func decode(_ entry: TableEntry) throws(MembershipError) -> Self {
        let record = try decode(entry.value)
        guard record.tableKey == entry.key else {
            throw MembershipError(.keyMismatch, field: entry.key, "the record belongs under key \(record.tableKey)")
        }
        return record
    }

    /// Decodes a record's bytes, checking the schema version first.
    public static func decode(_ bytes: [UInt8]) throws(MembershipError) -> Self {
        let probe = try StrictJSON.decode(SchemaVersionProbe.self, from: bytes, maximumBytes: TableSpec.maximumValueBytesLimit)
        guard probe.schemaVersion == currentSchemaVersion else {
            throw MembershipError(
                .unsupportedSchemaVersion, field: "schemaVersion",
                "\(tableName) record version \(probe.schemaVersion); this build reads version \(currentSchemaVersion)")
        }
        return try StrictJSON.decode(Self.self, from: bytes, maximumBytes: TableSpec.maximumValueBytesLimit)
    }
}

struct SchemaVersionProbe: Decodable {
    var schemaVersion: Int
}

/// The tables membership uses and how their keys are derived.
///
/// NATS KV keys allow only `A–Z a–z 0–9 - _ = . /`, while X.500 names hold spaces, commas and any
/// Unicode, and group ids may hold `:`. Keys are therefore SHA-256 digests (lower-case hex) of the
/// canonical text: the same identity always maps to the same key, however it was spelled.
public enum MembershipTables {
    public static let groupPolicies = "p2p.group.policies"
    public static let membersInfo = "p2p.members.info"
    public static let hostedIdentities = "p2p.hosted.identities"
    public static let cryptoKeys = "p2p.crypto.keys"
    public static let configuration = "config"

    /// Every table `p2p setup` writes.
    public static let all = [groupPolicies, membersInfo, hostedIdentities, cryptoKeys, configuration]

    /// `hex(SHA-256(groupId))`.
    public static func groupKey(_ group: GroupIDText) -> String { Hex.sha256(Array(group.utf8)) }

    /// `hex(SHA-256(canonical X.500 name + "@" + groupId))`, the canonical holding identity text.
    public static func identityKey(_ canonicalHoldingIdentity: String) -> String {
        Hex.sha256(Array(canonicalHoldingIdentity.utf8))
    }

    /// `hex(SHA-256(tenantId))[0..<32] + "." + hex(SHA-256(SubjectPublicKeyInfo DER))[0..<32]`.
    public static func tenantKeyKey(tenantID: String, keyID: String) -> String {
        "\(Hex.sha256(Array(tenantID.utf8), characters: 32)).\(keyID)"
    }

    /// The key id of a public key: `hex(SHA-256(SubjectPublicKeyInfo DER))[0..<32]`.
    public static func keyID(publicKeyDER: [UInt8]) -> String { Hex.sha256(publicKeyDER, characters: 32) }
}

/// A group id as text (validated by `P2PIdentity.GroupID` before it gets here).
public typealias GroupIDText = String
