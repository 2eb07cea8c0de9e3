import Foundation
import P2PBus
import P2PMembership
import P2PSetup
import P2PX509
import Testing

/// Validation errors name the field and the rule, on both buses; nothing is written when one fails.
@Suite("p2p setup validation", .serialized)
struct ValidationTests {
    /// A CA that is not the example group's, and a leaf it issued.
    static func foreignChain() throws -> (certificate: String, key: PrivateKey) {
        let caKey = try PrivateKey(generating: .ecP256)
        let now = Date()
        let ca = try CertificateAuthority.selfSigned(
            key: caKey,
            profile: .certificateAuthority(
                subject: try DistinguishedName(commonName: "Foreign CA"), serialNumber: try SerialNumber(hex: "01"),
                validFrom: now.addingTimeInterval(-60), days: 30))
        let leafKey = try PrivateKey(generating: .ecP256)
        let leaf = try ca.issue(
            profile: .tlsEndEntity(
                subject: try DistinguishedName(commonName: "alice.example.test"), alternativeNames: [.dns("alice.example.test")],
                serialNumber: try SerialNumber(hex: "02"), validFrom: now.addingTimeInterval(-60), days: 30),
            publicKey: leafKey.publicKey)
        return (try leaf.pemRepresentation, leafKey)
    }

    struct Case: Sendable {
        let name: String
        let code: MembershipError.Code
        let field: String
        let rule: String
        let mutate: @Sendable (inout NetworkFile) throws -> Void
    }

    static let cases: [Case] = [
        Case(name: "invalid X.500 name", code: .invalidX500Name, field: "membersToAdd[1].x500Name", rule: "missing attribute") {
            $0.membersToAdd[1].x500Name = "O=Bob Ltd, C=US"
        },
        Case(name: "unknown group", code: .unknownGroup, field: "identitiesToAdd[0].groupId", rule: "no group other-network") {
            $0.identitiesToAdd[0].groupId = "other-network"
        },
        Case(name: "endpoint not https", code: .invalidEndpoint, field: "membersToAdd[0].endpoints[0]", rule: "must be an https URL") {
            $0.membersToAdd[0].endpoints = ["http://alice.example.test:8443"]
        },
        Case(name: "key that does not parse", code: .invalidKey, field: "keysToAdd[2].privateKey", rule: "not a PEM private key") {
            $0.keysToAdd[2].privateKey = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"
        },
        Case(name: "session key that is not Ed25519", code: .invalidKey, field: "membersToAdd[0].sessionPublicKeys[0]", rule: "must be Ed25519") {
            $0.membersToAdd[0].sessionPublicKeys = [try PrivateKey(generating: .ecP256).publicKey.pemRepresentation]
        },
        Case(name: "certificate not chaining to the group's roots", code: .untrustedCertificate, field: "identitiesToAdd[0].tlsCertificates",
            rule: "does not chain to the trust roots of group example-network") {
            $0.identitiesToAdd[0].tlsCertificates = [try ValidationTests.foreignChain().certificate]
        },
        Case(name: "tenant matching no uploaded key", code: .unknownTenant, field: "identitiesToAdd[1].sessionKeyTenantId",
            rule: "tenant carol matches no uploaded key") {
            $0.identitiesToAdd[1].sessionKeyTenantId = "carol"
        },
        Case(name: "tenant whose keys do not match", code: .unknownTenant, field: "identitiesToAdd[0].tlsTenantId",
            rule: "none matches the TLS leaf certificate's public key") {
            $0.identitiesToAdd[0].tlsTenantId = "alice"
        },
        Case(name: "unknown protocol mode", code: .invalidField, field: "groupsToAdd[0].protocolModes[1]", rule: "must be one of") {
            $0.groupsToAdd[0].protocolModes[1] = "PLAINTEXT"
        },
        Case(name: "configuration out of bounds", code: .invalidConfiguration, field: "gatewayConfig.connection.responseTimeoutMillis",
            rule: "between 1 and 3600000 ms") {
            $0.gatewayConfig?.connection.responseTimeoutMillis = 0
        },
        Case(name: "member listed twice", code: .duplicateEntry, field: "membersToAdd[1].x500Name", rule: "listed twice") {
            $0.membersToAdd[1] = $0.membersToAdd[0]
        },
    ]

    @Test("each rule is reported with its field, and nothing is written", arguments: BusKind.allCases)
    func rules(kind: BusKind) async throws {
        try await TestBus.with(kind) { test in
            let setup = NetworkSetup(bus: test.bus, clusterKey: ClusterKey.generate())
            for check in Self.cases {
                var file = try Example.file
                try check.mutate(&file)
                do {
                    _ = try await setup.apply(file)
                    Issue.record("\(check.name): accepted")
                } catch let error as MembershipError {
                    #expect(error.code == check.code, "\(check.name): \(error)")
                    #expect(error.field == check.field, "\(check.name): \(error)")
                    #expect(error.description.contains(check.rule), "\(check.name): \(error)")
                }
            }
            for table in MembershipTables.all {
                #expect(try await test.entries(table).isEmpty, "\(table) written despite errors")
            }
        }
    }

    @Test("file-level errors: unknown fields, wrong types, missing fields, not JSON")
    func fileErrors() throws {
        let cases: [(String, MembershipError.Code, String?)] = [
            (#"{"groupsToAdd": [{"groupId": "g", "trustRootCertificates": [], "maxMesageSize": 5}]}"#, .unknownField, "groupsToAdd[0].maxMesageSize"),
            (#"{"gatewayConfig": {"connection": {"responseTimeout": 1000}}}"#, .unknownField, "gatewayConfig.connection.responseTimeout"),
            (#"{"linkManagerConfig": {"sessionsPerPeer": "four"}}"#, .invalidField, "linkManagerConfig.sessionsPerPeer"),
            (#"{"membersToAdd": [{"groupId": "g"}]}"#, .missingField, "membersToAdd[0].x500Name"),
            (#"{"keysToAdd": [{"tenantId": "t", "keys": "x"}]}"#, .unknownField, "keysToAdd[0].keys"),
            (#"{"schemaVersion": 2}"#, .unsupportedSchemaVersion, "schemaVersion"),
            ("not json", .malformedRecord, nil),
        ]
        for (text, code, field) in cases {
            do {
                _ = try NetworkFile.parse(Array(text.utf8))
                Issue.record("accepted \(text)")
            } catch {
                #expect(error.code == code, "\(text): \(error)")
                #expect(error.field == field, "\(text): \(error)")
            }
        }
    }

    @Test("keys need a cluster key; tables must exist", arguments: BusKind.allCases)
    func prerequisites(kind: BusKind) async throws {
        try await TestBus.with(kind) { test in
            let setup = NetworkSetup(bus: test.bus)
            let error = await #expect(throws: MembershipError.self) { try await setup.apply(fileContents: try Example.bytes) }
            #expect(error?.code == .clusterKeyRequired)
            #expect(error?.field == "keysToAdd[0].privateKey")
        }
        let empty = InProcessBus()
        let error = await #expect(throws: MembershipError.self) {
            try await NetworkSetup(bus: empty).removeGroup(groupId: "g")
        }
        #expect(error?.code == .missingTable)
        await empty.close()
    }
}
