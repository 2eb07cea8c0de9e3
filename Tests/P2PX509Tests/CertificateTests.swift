import Foundation
import P2PX509
import Testing

@Suite("Certificates, a CA and chain verification")
struct CertificateTests {
    @Test("a leaf carries its names, usages, constraints, serial and validity, and round-trips")
    func leafFields() throws {
        var pki = try TestPKI()
        let address = try SubjectAlternativeName.ipAddress("127.0.0.1")
        let (_, leaf) = try pki.leaf([.dns("alice.example"), .dns("*.alice.example"), address], algorithm: .rsa(bits: 2048))
        #expect(leaf.subject.commonName == "alice.example")
        #expect(leaf.issuer == pki.ca.certificate.subject)
        #expect(leaf.subjectAlternativeNames == [.dns("alice.example"), .dns("*.alice.example"), .ipAddress([127, 0, 0, 1])])
        #expect(leaf.keyUsage == [.digitalSignature, .keyEncipherment])
        #expect(leaf.extendedKeyUsage == [.serverAuth, .clientAuth])
        #expect(!leaf.isCertificateAuthority)
        #expect(pki.ca.certificate.isCertificateAuthority)
        #expect(pki.ca.certificate.keyUsage?.contains(.keyCertSign) == true)
        #expect(leaf.serialNumber == SerialNumber(2))
        #expect(abs(leaf.notValidAfter.timeIntervalSince(leaf.notValidBefore) - 5 * 86_400) < 1)
        #expect(leaf.isSigned(by: pki.ca.certificate))
        #expect(!pki.ca.certificate.isSigned(by: leaf))
        #expect(leaf.matches(host: "www.alice.example"))
        #expect(leaf.matches(host: "127.0.0.1"))
        #expect(!leaf.matches(host: "bob.example"))
        #expect(try Certificate(pemEncoded: leaf.pemRepresentation) == leaf)
        #expect(try Certificate(derEncoded: leaf.derRepresentation) == leaf)
        let bundle = try leaf.pemRepresentation + pki.ca.certificate.pemRepresentation
        #expect(try Certificate.chain(pemEncoded: bundle) == [leaf, pki.ca.certificate])
    }

    @Test("an Ed25519 CA signs an Ed25519 leaf that verifies")
    func ed25519() throws {
        var pki = try TestPKI(algorithm: .ed25519)
        let (_, leaf) = try pki.leaf([.dns("ed.example")], algorithm: .ed25519)
        try TrustStore(roots: [pki.ca.certificate]).verify(leaf, host: "ed.example")
    }

    @Test("verification names the failure: wrong host, expired, not yet valid, untrusted root")
    func verificationFailures() throws {
        var pki = try TestPKI()
        let store = try TrustStore(roots: [pki.ca.certificate])
        let (_, leaf) = try pki.leaf([.dns("alice.example")])
        try store.verify(leaf, host: "alice.example")
        #expect(throws: X509Error(.chainVerificationFailed)) { try store.verify(leaf, host: "mallory.example") }
        let (_, expired) = try pki.leaf([.dns("alice.example")], validFrom: pki.now.addingTimeInterval(-3 * 86_400), days: 1)
        do {
            try store.verify(expired)
            Issue.record("an expired certificate verified")
        } catch { #expect(error.detail.contains("expired")) }
        #expect(throws: X509Error(.chainVerificationFailed)) {
            try store.verify(leaf, at: pki.now.addingTimeInterval(-2 * 86_400))
        }
        let other = try TestPKI(commonName: "Other Root")
        #expect(throws: X509Error(.chainVerificationFailed)) {
            try TrustStore(roots: [other.ca.certificate]).verify(leaf)
        }
    }

    @Test("an intermediate CA extends the chain")
    func intermediate() throws {
        let pki = try TestPKI()
        let intermediateKey = try PrivateKey(generating: .ecP256)
        let intermediateCertificate = try pki.ca.issue(
            profile: .certificateAuthority(
                subject: try DistinguishedName(commonName: "Intermediate"), serialNumber: SerialNumber(77),
                validFrom: pki.now.addingTimeInterval(-60), days: 5, pathLength: 0),
            publicKey: intermediateKey.publicKey)
        let intermediate = try CertificateAuthority(key: intermediateKey, certificate: intermediateCertificate)
        let leafKey = try PrivateKey(generating: .ecP256)
        let leaf = try intermediate.issue(
            profile: .tlsEndEntity(
                subject: try DistinguishedName(commonName: "deep.example"), alternativeNames: [.dns("deep.example")],
                serialNumber: SerialNumber(5), validFrom: pki.now.addingTimeInterval(-60), days: 1),
            publicKey: leafKey.publicKey)
        let store = try TrustStore(roots: [pki.ca.certificate])
        try store.verify(leaf, intermediates: [intermediateCertificate], host: "deep.example")
        #expect(throws: X509Error(.chainVerificationFailed)) { try store.verify(leaf) }
    }

    @Test("bad names and profiles are refused before OpenSSL sees them")
    func refusals() throws {
        let pki = try TestPKI()
        let key = try PrivateKey(generating: .ecP256)
        for bad in ["", "a,DNS:evil.example", "a..b", "exa mple.com", String(repeating: "a", count: 300)] {
            #expect(throws: X509Error(.invalidSubjectAlternativeName)) {
                try pki.ca.issue(
                    profile: .tlsEndEntity(
                        subject: try DistinguishedName(commonName: "x"), alternativeNames: [.dns(bad)],
                        serialNumber: SerialNumber(9), validFrom: pki.now, days: 1),
                    publicKey: key.publicKey)
            }
        }
        #expect(throws: X509Error(.invalidValidity)) {
            try pki.ca.issue(
                profile: .tlsEndEntity(
                    subject: try DistinguishedName(commonName: "x"), alternativeNames: [.dns("x.example")],
                    serialNumber: SerialNumber(9), validFrom: pki.now, days: 0),
                publicKey: key.publicKey)
        }
        #expect(throws: X509Error(.invalidName)) { try DistinguishedName([("XX", "y")]) }
        #expect(throws: X509Error(.invalidSubjectAlternativeName)) { try SubjectAlternativeName.ipAddress("300.1.1.1") }
        #expect(throws: X509Error(.notACertificateAuthority)) {
            try CertificateAuthority(key: key, certificate: pki.ca.certificate)
        }
    }

    @Test("serial numbers parse from hex and order numerically")
    func serials() throws {
        #expect(try SerialNumber(hex: "0x01:00") == SerialNumber(256))
        #expect(SerialNumber(256).hex == "0100")
        #expect(SerialNumber(255) < SerialNumber(256))
        #expect(throws: X509Error(.invalidSerialNumber)) { try SerialNumber(hex: "zz") }
        #expect(throws: X509Error(.invalidSerialNumber)) { try SerialNumber(bytes: [UInt8](repeating: 1, count: 21)) }
        #expect(SerialNumber.random() != SerialNumber.random())
    }
}
