import Foundation
import P2PBus
import P2PCrypto
import P2PIdentity
import P2PMembership
import P2PX509
import Testing

@Suite("membership records and configuration")
struct RecordTests {
    static let identity = HoldingIdentity(name: try! X500Name("O=Alice Corp, L=London, C=GB"), groupID: try! GroupID("group-1"))

    @Test("records encode deterministically with schemaVersion and decode back; a future version is refused")
    func encoding() throws {
        let session = Ed25519.SigningKey()
        let member = MemberInfo(
            holdingIdentity: Self.identity, endpoints: ["https://alice.test:8443"],
            sessionPublicKeys: [SessionKeyPEM.pem(for: session.verifyingKey)], status: .active, serial: 3)
        let bytes = member.encoded()
        #expect(bytes == member.encoded())
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.hasPrefix(#"{"endpoints":["https://alice.test:8443"],"holdingIdentity":{"groupId":"group-1","x500Name":"O=Alice Corp, L=London, C=GB"}"#))
        #expect(text.contains(#""schemaVersion":1"#))
        let entry = TableEntry(key: member.tableKey, value: bytes, revision: 1)
        #expect(try MemberInfo.decode(entry) == member)
        #expect(try member.sessionVerifyingKeys() == [session.verifyingKey])

        let wrongKey = #expect(throws: MembershipError.self) { try MemberInfo.decode(TableEntry(key: "abc", value: bytes, revision: 1)) }
        #expect(wrongKey?.code == .keyMismatch)
        let future = Array(text.replacingOccurrences(of: #""schemaVersion":1"#, with: #""schemaVersion":2"#).utf8)
        let version = #expect(throws: MembershipError.self) { try MemberInfo.decode(future) }
        #expect(version?.code == .unsupportedSchemaVersion)
        #expect(throws: MembershipError.self) { try MemberInfo.decode(Array("[]".utf8)) }
    }

    @Test("keys are SHA-256 of canonical text, valid NATS KV keys, equal for every spelling")
    func keys() throws {
        let spelled = HoldingIdentity(name: try X500Name("c=GB,l=London,   o=Alice Corp"), groupID: try GroupID("group-1"))
        #expect(MembershipTables.identityKey(spelled.description) == MembershipTables.identityKey(Self.identity.description))
        let key = MembershipTables.identityKey(Self.identity.description)
        #expect(key.count == 64)
        try TableSpec.validateKey(key)
        try TableSpec.validateKey(MembershipTables.tenantKeyKey(tenantID: "group-1|O=Alice Corp, L=London, C=GB", keyID: String(repeating: "a", count: 32)))
        try TableSpec.validateKey(GatewayConfiguration.configurationKey)
        try TableSpec.validateKey(LinkManagerConfiguration.configurationKey)
    }

    @Test("Ed25519 session keys convert between PEM and raw; other algorithms are refused")
    func sessionKeys() throws {
        let key = Ed25519.SigningKey()
        let pem = SessionKeyPEM.pem(for: key.verifyingKey)
        #expect(pem.hasPrefix("-----BEGIN PUBLIC KEY-----"))
        #expect(try SessionKeyPEM.verifyingKey(pem: pem, field: "k") == key.verifyingKey)
        let ec = try PrivateKey(generating: .ecP256).publicKey.pemRepresentation
        let error = #expect(throws: MembershipError.self) { try SessionKeyPEM.verifyingKey(pem: ec, field: "sessionPublicKey") }
        #expect(error?.field == "sessionPublicKey")
        #expect(error?.code == .invalidKey)
    }

    @Test("a sealed Ed25519 tenant key opens to the same signing key")
    func tenantKey() throws {
        let clusterKey = ClusterKey.generate()
        let key = try PrivateKey(generating: .ed25519)
        let record = try TenantKey(tenantID: "alice", privateKey: key, clusterKey: clusterKey)
        #expect(record.algorithm == "Ed25519")
        let decoded = try TenantKey.decode(TableEntry(key: record.tableKey, value: record.encoded(), revision: 1))
        let signing = try decoded.unseal(with: clusterKey).sessionSigningKey()
        #expect(SessionKeyPEM.pem(for: signing.verifyingKey) == record.publicKey)
        let ec = try TenantKey(tenantID: "cluster", privateKey: try PrivateKey(generating: .ecP256), clusterKey: clusterKey)
        #expect(throws: MembershipError.self) { try ec.unseal(with: clusterKey).sessionSigningKey() }
        // A sealed key swapped into another record does not pass for that record's key.
        var swapped = ec
        swapped.sealedPrivateKey = record.sealedPrivateKey
        let error = #expect(throws: MembershipError.self) { try swapped.unseal(with: clusterKey) }
        #expect(error?.code == .unsealFailed)
        #expect(!String(describing: try decoded.unseal(with: clusterKey)).contains("BEGIN"))
    }

    @Test("configuration: defaults, strict fields naming the path, bounds naming the field")
    func configuration() throws {
        let defaults = try JSONDecoder().decode(GatewayConfiguration.self, from: Data("{}".utf8))
        #expect(defaults == GatewayConfiguration())
        #expect(defaults.connection.responseTimeoutMillis == 3_000)
        #expect(defaults.connection.retryDelayMillis == 2_000)
        try defaults.validate()
        try LinkManagerConfiguration().validate()

        let record = ConfigurationRecord(GatewayConfiguration())
        #expect(try ConfigurationRecord<GatewayConfiguration>.decodeValidated(record.encoded()) == record)
        let unknown = #"{"schemaVersion":1,"component":"p2p.gateway","configuration":{"connection":{"retryDelay":5}}}"#
        let error = #expect(throws: MembershipError.self) {
            try ConfigurationRecord<GatewayConfiguration>.decodeValidated(Array(unknown.utf8))
        }
        #expect(error?.code == .unknownField)
        #expect(error?.field == "configuration.connection.retryDelay")
        let wrongComponent = ConfigurationRecord(LinkManagerConfiguration()).encoded()
        #expect(throws: MembershipError.self) { try ConfigurationRecord<GatewayConfiguration>.decodeValidated(wrongComponent) }

        var lm = LinkManagerConfiguration()
        lm.heartbeatPeriodMillis = 20_000
        let heartbeat = #expect(throws: MembershipError.self) { try lm.validate(prefix: "linkManagerConfig") }
        #expect(heartbeat?.field == "linkManagerConfig.heartbeatPeriodMillis")
        lm = LinkManagerConfiguration()
        lm.maxMessageSizeBytes = 9_999
        #expect(throws: MembershipError.self) { try lm.validate() }
        var gateway = GatewayConfiguration()
        gateway.hostPort = 70_000
        let port = #expect(throws: MembershipError.self) { try gateway.validate() }
        #expect(port?.field == "hostPort")
        let mode = #"{"tlsType":"TWO_WAY"}"#
        #expect(throws: (any Error).self) { try JSONDecoder().decode(GatewayConfiguration.self, from: Data(mode.utf8)) }
    }
}
