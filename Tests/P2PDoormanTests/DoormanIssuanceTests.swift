import Foundation
import P2PDoorman
import P2PIdentity
import P2PX509
import Testing

@Suite struct DoormanIssuanceTests {
    @Test func opensslRequestIsIssuedAndTheChainVerifiesWithOpenSSL() throws {
        let fixture = try DoormanFixture()
        defer { fixture.remove() }
        let work = fixture.directory.url
        let made = try Tool.openssl([
            "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "node.key",
            "-subj", "/C=GB/L=London/O=Alice Corp", "-outform", "DER", "-out", "node.csr",
        ], in: work)
        #expect(made.status == 0, "\(made.output)")
        let der = Array(try Data(contentsOf: work.appending(path: "node.csr")))
        let doorman = try fixture.doorman(.auto)
        let id = try doorman.submit(der: der)
        let chain = try approvedChain(try doorman.poll(id))
        #expect(chain.count == 3)
        // No role attribute: NODE_CA, a CA that may sign only end entities.
        #expect(chain[0].cordaRole == .nodeCA)
        #expect(chain[0].isCertificateAuthority)
        #expect(chain[0].subject == (try CertificateSigningRequest(derEncoded: der)).subject)
        #expect(chain[1].cordaRole == .doormanCA)
        #expect(chain[2].cordaRole == nil)
        #expect(chain[2] == doorman.authority.root)
        try writePEMChain(chain, in: work)
        let verify = try Tool.openssl(["verify", "-CAfile", "root.pem", "-untrusted", "doorman.pem", "leaf.pem"], in: work)
        #expect(verify.status == 0 && verify.output.contains("leaf.pem: OK"), "\(verify.output)")
        let text = try Tool.openssl(["x509", "-in", "leaf.pem", "-noout", "-text"], in: work).output
        #expect(text.contains("CA:TRUE, pathlen:0"))
        #expect(text.contains("Certificate Sign"))
        #expect(text.contains("1.3.6.1.4.1.50530.1.1:"))
        #expect(!text.contains("Name Constraints"))
        // The key openssl made is the certificate's.
        let modulus = try Tool.openssl(["pkey", "-in", "node.key", "-pubout"], in: work).output
        #expect(try PublicKey(pemEncoded: modulus) == chain[0].publicKey)
    }

    @Test func tlsRoleCarriesNamesAndNameConstraintsBindTheNodeCA() throws {
        let fixture = try DoormanFixture()
        defer { fixture.remove() }
        let work = fixture.directory.url
        let doorman = try fixture.doorman(.auto, nameConstraints: true)
        let tls = try TestRequest("O=Bob Corp, L=Paris, C=FR", role: .tls, dns: ["bob.example"])
        let tlsChain = try approvedChain(try doorman.poll(try doorman.submit(der: tls.der)))
        #expect(tlsChain[0].cordaRole == .tls && !tlsChain[0].isCertificateAuthority)
        #expect(tlsChain[0].dnsNames == ["bob.example"])
        #expect(tlsChain[0].extendedKeyUsage == [.serverAuth, .clientAuth])
        #expect(tlsChain[0].extension(oid: CertificateExtension.nameConstraintsOID) == nil)

        let node = try TestRequest("O=Carol Corp, L=Berlin, C=DE")
        let chain = try approvedChain(try doorman.poll(try doorman.submit(der: node.der)))
        let constraints = try #require(chain[0].extension(oid: CertificateExtension.nameConstraintsOID))
        #expect(constraints.isCritical)
        try writePEMChain(chain, in: work)
        let text = try Tool.openssl(["x509", "-in", "leaf.pem", "-noout", "-text"], in: work).output
        #expect(text.contains("X509v3 Name Constraints: critical"), "\(text)")
        #expect(text.contains("DirName:C=DE, L=Berlin, O=Carol Corp") || text.contains("DirName:C = DE, L = Berlin, O = Carol Corp"), "\(text)")

        // The node CA signs a TLS certificate for its own name: fine; for another name: outside the subtree.
        let nodeCA = try CertificateAuthority(key: node.key, certificate: chain[0])
        for (subject, expectedOK) in [("Carol Corp", true), ("Mallory Corp", false)] {
            let key = try PrivateKey(generating: .ecP256)
            let leaf = try nodeCA.issue(
                profile: .tlsEndEntity(
                    subject: try DistinguishedName([("C", "DE"), ("L", "Berlin"), ("O", subject)]),
                    alternativeNames: [.dns("carol.example")], serialNumber: SerialNumber.random(),
                    validFrom: Date().addingTimeInterval(-60), days: 10),
                publicKey: key.publicKey)
            try Data(try leaf.pemRepresentation.utf8).write(to: work.appending(path: "tls.pem"))
            let untrusted = try chain[0].pemRepresentation + chain[1].pemRepresentation
            try Data(untrusted.utf8).write(to: work.appending(path: "untrusted.pem"))
            let verify = try Tool.openssl(["verify", "-CAfile", "root.pem", "-untrusted", "untrusted.pem", "tls.pem"], in: work)
            #expect((verify.status == 0) == expectedOK, "\(subject): \(verify.output)")
            if !expectedOK { #expect(verify.output.contains("permitted subtree violation"), "\(verify.output)") }
        }
    }

    @Test func invalidRequestsAreRefusedWithSpecificCodes() throws {
        let fixture = try DoormanFixture()
        defer { fixture.remove() }
        let doorman = try fixture.doorman(.auto)
        #expect(throws: DoormanError(.malformedRequest)) { try doorman.submit(der: Array("not a request".utf8)) }
        var tampered = try TestRequest("O=Alice Corp, L=London, C=GB").der
        tampered[tampered.count - 1] ^= 0x01  // the last byte of the signature
        #expect(throws: DoormanError(.invalidRequestSignature)) { try doorman.submit(der: tampered) }
        var trailing = try TestRequest("O=Alice Corp, L=London, C=GB").der
        trailing.append(0)
        #expect(throws: DoormanError(.malformedRequest)) { try doorman.submit(der: trailing) }
        #expect(throws: DoormanError(.requestTooLarge)) {
            try doorman.submit(der: [UInt8](repeating: 0x30, count: DoormanLimits.maximumRequestBytes + 1))
        }
        // FULL rules: lower-case first letter, a forbidden character, non-ASCII, a missing L, a duplicate O.
        for components: [(attribute: String, value: String)] in [
            [("C", "GB"), ("L", "London"), ("O", "alice Corp")],
            [("C", "GB"), ("L", "London"), ("O", "Alice, Corp")],
            [("C", "GB"), ("L", "Zürich"), ("O", "Alice Corp")],
            [("C", "GB"), ("O", "Alice Corp")],
            [("C", "GB"), ("L", "London"), ("O", "Alice Corp"), ("O", "Bob Corp")],
            [("C", "GB"), ("L", "London"), ("O", "Alice Corp"), ("DC", "example")],
            [("C", "GB"), ("L", "London"), ("O", "Alice  Corp")],
        ] {
            #expect(throws: DoormanError(.invalidLegalName), "\(components)") { try doorman.submit(der: try TestRequest.raw(components)) }
        }
        #expect(throws: DoormanError(.unsupportedRole)) {
            try doorman.submit(der: try TestRequest("O=Alice Corp, L=London, C=GB", role: .networkMap).der)
        }
        let work = fixture.directory.url
        _ = try Tool.openssl([
            "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384", "-nodes", "-keyout", "p384.key",
            "-subj", "/C=GB/L=London/O=Alice Corp", "-outform", "DER", "-out", "p384.csr",
        ], in: work)
        #expect(throws: DoormanError(.unsupportedKey)) {
            try doorman.submit(der: Array(try Data(contentsOf: work.appending(path: "p384.csr"))))
        }
        #expect(try doorman.requests().isEmpty)
    }

    @Test func theClientChecksTheChainAsACordaNodeDoes() throws {
        let fixture = try DoormanFixture()
        defer { fixture.remove() }
        let doorman = try fixture.doorman(.auto)
        let request = try TestRequest("O=Alice Corp, L=London, C=GB")
        let chain = try approvedChain(try doorman.poll(try doorman.submit(der: request.der)))
        let root = doorman.authority.root
        try NodeRegistration.verify(chain: chain, legalName: request.name, publicKey: request.key.publicKey, role: .nodeCA, root: root)
        #expect(throws: DoormanError(.chainRejected)) {
            try NodeRegistration.verify(
                chain: chain, legalName: try X500Name("O=Bob Corp, L=London, C=GB"), publicKey: request.key.publicKey,
                role: .nodeCA, root: root)
        }
        #expect(throws: DoormanError(.chainRejected)) {
            try NodeRegistration.verify(
                chain: chain, legalName: request.name, publicKey: try PrivateKey(generating: .ecP256).publicKey,
                role: .nodeCA, root: root)
        }
        #expect(throws: DoormanError(.chainRejected)) {
            try NodeRegistration.verify(chain: chain, legalName: request.name, publicKey: request.key.publicKey, role: .tls, root: root)
        }
        let otherRoot = try DoormanFixture()
        defer { otherRoot.remove() }
        #expect(throws: DoormanError(.chainRejected)) {
            try NodeRegistration.verify(
                chain: chain, legalName: request.name, publicKey: request.key.publicKey, role: .nodeCA,
                root: try otherRoot.doorman(.auto).authority.root)
        }
    }

    @Test func doormanCAFromAnExistingTestCA() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let ca = try FileCertificateAuthority.createOrLoad(home: directory.path("ca-home"), days: 30)
        let home = DoormanHome(directory.path("doorman"))
        let authority = try DoormanAuthority.initialise(home: home, existingCA: directory.path("ca-home"), days: 20)
        #expect(authority.root == ca.authority.certificate)
        #expect(!FileManager.default.fileExists(atPath: home.rootKeyFile.path))
        #expect(throws: DoormanError(.invalidConfiguration)) {
            try DoormanAuthority.initialise(home: home, existingCA: directory.path("ca-home"))
        }
        let doorman = try Doorman(home: home, configuration: Doorman.Configuration(policy: .auto))
        let chain = try approvedChain(try doorman.poll(try doorman.submit(der: try TestRequest("O=Alice Corp, L=London, C=GB").der)))
        #expect(chain[2] == ca.authority.certificate)
        #expect(chain[0].isSigned(by: chain[1]) && chain[1].isSigned(by: chain[2]))
    }
}
