import Foundation
import P2PX509
import Testing

@Suite("PKCS#10 requests and revocation lists")
struct RequestAndRevocationTests {
    @Test("a request round-trips, verifies, and a CA issues from it")
    func request() throws {
        let key = try PrivateKey(generating: .ecP256)
        let subject = try DistinguishedName(commonName: "req.example", organization: "R3", country: "UK")
        let request = try CertificateSigningRequest(
            subject: subject, alternativeNames: [.dns("req.example"), .dns("alt.example")], key: key)
        #expect(request.isSignatureValid)
        let parsed = try CertificateSigningRequest(pemEncoded: request.pemRepresentation)
        #expect(parsed.subject == subject)
        #expect(parsed.alternativeNames == [.dns("req.example"), .dns("alt.example")])
        #expect(parsed.publicKey == key.publicKey)
        #expect(try CertificateSigningRequest(derEncoded: request.derRepresentation).isSignatureValid)

        let pki = try TestPKI()
        let certificate = try pki.ca.issue(
            request: parsed,
            profile: .tlsEndEntity(
                subject: parsed.subject, alternativeNames: [], serialNumber: SerialNumber(10),
                validFrom: pki.now, days: 1))
        #expect(certificate.dnsNames == ["req.example", "alt.example"])
        #expect(certificate.publicKey == key.publicKey)
    }

    @Test("a request whose signed bytes were changed does not verify and is not signed")
    func tamperedRequest() throws {
        let key = try PrivateKey(generating: .ecP256)
        let request = try CertificateSigningRequest(
            subject: try DistinguishedName(commonName: "victim.example"), alternativeNames: [.dns("victim.example")],
            key: key)
        var der = request.derRepresentation
        // Change one letter of the common name inside the signed part.
        let name = Array("victim".utf8)
        let index = try #require((0..<(der.count - name.count)).first { Array(der[$0..<$0 + name.count]) == name })
        der[index] = UInt8(ascii: "W")
        let tampered = try CertificateSigningRequest(derEncoded: der)
        #expect(!tampered.isSignatureValid)
        let pki = try TestPKI()
        #expect(throws: X509Error(.invalidSignature)) {
            try pki.ca.issue(
                request: tampered,
                profile: .tlsEndEntity(
                    subject: tampered.subject, alternativeNames: [], serialNumber: SerialNumber(3), validFrom: pki.now,
                    days: 1))
        }
    }

    @Test("a CRL lists revoked serials, verifies against its CA, and makes verification fail for them")
    func revocationList() throws {
        var pki = try TestPKI()
        let (_, good) = try pki.leaf([.dns("good.example")])
        let (_, bad) = try pki.leaf([.dns("bad.example")])
        let list = try pki.ca.issueRevocationList(
            revoked: [RevokedCertificate(serialNumber: bad.serialNumber, revocationDate: pki.now)], number: 1,
            thisUpdate: pki.now.addingTimeInterval(-60), nextUpdate: pki.now.addingTimeInterval(3600))
        let parsed = try CertificateRevocationList(pemEncoded: list.pemRepresentation)
        #expect(parsed.revokedCertificates.map(\.serialNumber) == [bad.serialNumber])
        #expect(parsed.isSigned(by: pki.ca.certificate))
        #expect(parsed.isRevoked(bad))
        #expect(!parsed.isRevoked(good))
        #expect(parsed.issuer == pki.ca.certificate.subject)
        #expect(!parsed.isStale(at: pki.now))
        #expect(parsed.isStale(at: pki.now.addingTimeInterval(7200)))
        #expect(try CertificateRevocationList(pemOrDER: parsed.derRepresentation).isRevoked(bad))

        let other = try TestPKI(commonName: "Other")
        #expect(!parsed.isSigned(by: other.ca.certificate))

        let store = try TrustStore(roots: [pki.ca.certificate], revocationLists: [parsed])
        try store.verify(good)
        do {
            try store.verify(bad)
            Issue.record("a revoked certificate verified")
        } catch { #expect(error.detail.contains("revoked")) }
    }
}
