import Foundation
import P2PX509
import Testing

@Suite struct CordaRoleTests {
    let subject = try! DistinguishedName([("C", "GB"), ("L", "London"), ("O", "Alice Corp")])

    @Test func roleAttributeRoundTripsThroughARequestAndOpenSSLSeesIt() throws {
        let key = try PrivateKey(generating: .ecP256)
        let request = try CertificateSigningRequest(subject: subject, alternativeNames: [.dns("alice.example")], key: key, role: .tls)
        #expect(request.isSignatureValid)
        let parsed = try CertificateSigningRequest(derEncoded: request.derRepresentation)
        #expect(try parsed.requestedCordaRole() == .tls)
        #expect(parsed.alternativeNames == [.dns("alice.example")])
        let plain = try CertificateSigningRequest(subject: subject, alternativeNames: [], key: key)
        #expect(try plain.requestedCordaRole() == nil)

        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let file = try directory.write("request.pem", try request.pemRepresentation)
        let text = try OpenSSLTool.run(["req", "-in", file.path, "-noout", "-text", "-verify"])
        #expect(text.status == 0, "\(text.output)")
        #expect(text.output.contains("1.3.6.1.4.1.50530.1.1"), "\(text.output)")
        #expect(text.output.contains("verify OK") || text.output.contains("Certificate request self-signature verify OK"))
    }

    @Test func roleExtensionIsANonCriticalInteger() throws {
        let pki = try TestPKI()
        let key = try PrivateKey(generating: .ecP256)
        var profile = CertificateProfile.certificateAuthority(
            subject: subject, serialNumber: SerialNumber(99), validFrom: pki.now.addingTimeInterval(-60), days: 2, pathLength: 0)
        profile.additionalExtensions = [CordaCertificateRole.nodeCA.certificateExtension]
        let certificate = try pki.ca.issue(profile: profile, publicKey: key.publicKey)
        #expect(certificate.cordaRole == .nodeCA)
        let raw = try #require(certificate.extension(oid: CordaCertificateRole.oid))
        #expect(!raw.isCritical && raw.value == [0x02, 0x01, 0x04])
        #expect(pki.ca.certificate.cordaRole == nil)

        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let file = try directory.write("node-ca.pem", try certificate.pemRepresentation)
        let text = try OpenSSLTool.run(["x509", "-in", file.path, "-noout", "-text"]).output
        #expect(text.contains("1.3.6.1.4.1.50530.1.1:") && !text.contains("1.3.6.1.4.1.50530.1.1: critical"), "\(text)")
        #expect(text.contains("CA:TRUE, pathlen:0"))
    }

    @Test func nameConstraintsPermitTheDirectoryName() throws {
        let pki = try TestPKI()
        let key = try PrivateKey(generating: .ecP256)
        var profile = CertificateProfile.certificateAuthority(
            subject: subject, serialNumber: SerialNumber(7), validFrom: pki.now.addingTimeInterval(-60), days: 2, pathLength: 0)
        profile.additionalExtensions = [try .nameConstraints(permittingDirectoryName: subject)]
        let certificate = try pki.ca.issue(profile: profile, publicKey: key.publicKey)
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let file = try directory.write("constrained.pem", try certificate.pemRepresentation)
        let text = try OpenSSLTool.run(["x509", "-in", file.path, "-noout", "-ext", "nameConstraints"]).output
        #expect(text.contains("X509v3 Name Constraints: critical"), "\(text)")
        #expect(text.contains("Permitted:") && text.contains("DirName:"), "\(text)")
        #expect(text.contains("O") && text.contains("Alice Corp"))
    }

    @Test func rolesFollowCordasNumbersAndParents() {
        #expect(CordaCertificateRole.allCases.map(\.rawValue) == Array(1...8))
        #expect(CordaCertificateRole.nodeCA.validParents == [.doormanCA])
        #expect(CordaCertificateRole.tls.validParents == [.doormanCA, .nodeCA])
        #expect(CordaCertificateRole.doormanCA.validParents == [nil])
        #expect(CordaCertificateRole(derValue: [0x02, 0x01, 0x05]) == .tls)
        #expect(CordaCertificateRole(derValue: [0x02, 0x01, 0x09]) == nil)
        #expect(CordaCertificateRole(derValue: [0x04, 0x01, 0x05]) == nil)
        #expect(CordaCertificateRole(derValue: [0x02, 0x02, 0x00, 0x05]) == nil)
    }

    @Test func publicKeyFingerprintAndAlgorithmCheck() throws {
        let key = try PrivateKey(generating: .ecP256)
        #expect(key.publicKey.sha256Fingerprint.count == 64)
        #expect(key.publicKey.sha256Fingerprint == (try PublicKey(derEncoded: key.publicKey.derRepresentation)).sha256Fingerprint)
        #expect(try key.publicKey.checkedAlgorithm() == .ecP256)
        #expect(try PrivateKey(generating: .ed25519).publicKey.checkedAlgorithm() == .ed25519)
    }
}
