import Foundation
import P2PBus
import P2PCrypto
import P2PMembership
import P2PSetup
import P2PX509
import Testing

@Suite("private keys on the bus are sealed", .serialized)
struct SealedKeyTests {
    /// Every form of `key`'s secret that must never appear in a record.
    static func secretForms(_ pem: String) throws -> [(String, [UInt8])] {
        let key = try PrivateKey(pemEncoded: pem)
        let der = try key.derRepresentation
        let body = pem.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
        var forms: [(String, [UInt8])] = [
            ("PKCS#8 DER", der),
            ("PEM body", Array(body.utf8)),
            ("base64 of DER", Array(Data(der).base64EncodedString().utf8)),
            ("PEM as given", Array(pem.utf8)),
        ]
        // The raw secret inside: the 32-byte Ed25519 seed, or the last 32 bytes of an EC/RSA DER.
        let raw = Array(der.suffix(32))
        forms.append(("raw secret", raw))
        forms.append(("raw secret base64", Array(Data(raw).base64EncodedString().utf8)))
        forms.append(("raw secret hex", Array(raw.map { String(format: "%02x", $0) }.joined().utf8)))
        return forms
    }

    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, haystack.count >= needle.count else { return false }
        for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
            if haystack[start..<(start + needle.count)].elementsEqual(needle) { return true }
        }
        return false
    }

    @Test("sealed key records hold no private key bytes; the right cluster key opens them, a wrong one says so", arguments: BusKind.allCases)
    func sealed(kind: BusKind) async throws {
        try await TestBus.with(kind) { test in
            let clusterKey = ClusterKey.generate()
            _ = try await NetworkSetup(bus: test.bus, clusterKey: clusterKey).apply(fileContents: try Example.bytes)
            let entries = try await test.entries(TenantKey.tableName)
            #expect(entries.count == 4)
            let inputs = try Example.file.keysToAdd
            for input in inputs {
                let forms = try Self.secretForms(input.privateKey)
                // The search finds each form when it is there (so the checks below can fail).
                for (name, bytes) in forms {
                    #expect(Self.contains(Array(#"{"x":""#.utf8) + bytes + [0x22, 0x7D], bytes), "\(name) not found by the search")
                }
                for entry in entries.values {
                    for (name, bytes) in forms {
                        #expect(!Self.contains(entry.value, bytes), "\(name) of tenant \(input.tenantId)'s key found in \(entry.key)")
                    }
                }
            }
            // Each record opens with the right key to the uploaded key.
            let records = try entries.values.map { try TenantKey.decode($0) }
            for input in inputs {
                let expected = try PrivateKey(pemEncoded: input.privateKey)
                let record = try #require(records.first {
                    $0.tenantId == input.tenantId && $0.publicKey == (try? expected.publicKey.pemRepresentation)
                })
                let opened = try record.unseal(with: clusterKey)
                #expect(try opened.privateKey.derRepresentation == (try expected.derRepresentation))
                if input.tenantId == "alice" {
                    let signing = try opened.sessionSigningKey()
                    let member = try Example.file.membersToAdd[0].sessionPublicKeys[0]
                    #expect(signing.verifyingKey == (try SessionKeyPEM.verifyingKey(pem: member, field: "")))
                }
            }
            // A worker with another cluster key gets a clear error, not a generic failure.
            let other = ClusterKey.generate()
            let error = #expect(throws: MembershipError.self) { try records[0].unseal(with: other) }
            #expect(error?.code == .wrongClusterKey)
            #expect(error?.description.contains("sealed under a different cluster key") == true, "\(String(describing: error))")
            #expect(error?.description.contains(clusterKey.keyID) == true)
        }
    }

    @Test("re-applying under another cluster key reseals the keys (updated), and they open only with the new key")
    func reseal() async throws {
        try await TestBus.with(.inProcess) { test in
            let first = ClusterKey.generate()
            _ = try await NetworkSetup(bus: test.bus, clusterKey: first).apply(fileContents: try Example.bytes)
            let second = ClusterKey.generate()
            let report = try await NetworkSetup(bus: test.bus, clusterKey: second).apply(fileContents: try Example.bytes)
            #expect(report.changes.filter { $0.kind == "key" }.allSatisfy { $0.action == .updated })
            #expect(report.changedCount == 4)
            for entry in try await test.entries(TenantKey.tableName).values {
                let record = try TenantKey.decode(entry)
                _ = try record.unseal(with: second)
                #expect(throws: MembershipError.self) { try record.unseal(with: first) }
            }
        }
    }
}
