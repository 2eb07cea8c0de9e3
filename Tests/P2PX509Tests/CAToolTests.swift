import ArgumentParser
import Foundation
import P2PCLI
import P2PX509
import Testing

/// `p2p ca` end to end, checked by the real `openssl` binary.
@Suite("p2p ca, checked by openssl")
struct CAToolTests {
    /// Runs `p2p ca <arguments…> --home <home>` in-process.
    func ca(_ arguments: [String], home: URL) throws {
        var command = try P2PCommand.parseAsRoot(["ca"] + arguments + ["--home", home.path])
        try command.run()
    }

    func mode(_ url: URL) throws -> Int {
        try #require(FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as? Int)
    }

    @Test("openssl verify accepts the chains, for EC, RSA and Ed25519", arguments: ["ec", "rsa", "ed25519"])
    func chains(algorithm: String) throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let home = directory.url.appending(path: "ca-home")
        try ca(["create-ca", "--algorithm", algorithm], home: home)
        try ca(["create-certificate", "--algorithm", algorithm, "alice.example", "www.alice.example"], home: home)
        let root = home.appending(path: "ca/root-certificate.pem").path
        let leaf = home.appending(path: "alice.example/certificate.pem").path
        let verify = try OpenSSLTool.run(["verify", "-CAfile", root, "-verify_hostname", "www.alice.example", leaf])
        #expect(verify.status == 0, "\(verify.output)")
        #expect(verify.output.contains(": OK"))
        let wrongHost = try OpenSSLTool.run(["verify", "-CAfile", root, "-verify_hostname", "bob.example", leaf])
        #expect(wrongHost.status != 0)
        // The leaf key written is the key of the certificate.
        let key = try PrivateKey(pemEncoded: String(contentsOfFile: home.appending(path: "alice.example/keys.pem").path, encoding: .utf8))
        let certificate = try Certificate(pemEncoded: String(contentsOfFile: leaf, encoding: .utf8))
        #expect(certificate.publicKey == key.publicKey)
    }

    @Test("private keys are written with mode 0600, serials count up, --name picks the directory")
    func filesAndSerials() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let home = directory.url.appending(path: "h")
        try ca(["create-ca"], home: home)
        try ca(["create-certificate", "--name", "first", "one.example"], home: home)
        try ca(["create-certificate", "two.example"], home: home)
        #expect(try mode(home.appending(path: "ca/.ca/private-key.pem")) == 0o600)
        #expect(try mode(home.appending(path: "first/keys.pem")) == 0o600)
        #expect(try mode(home.appending(path: "two.example/keys.pem")) == 0o600)
        let first = try Certificate(pemEncoded: String(contentsOfFile: home.appending(path: "first/certificate.pem").path, encoding: .utf8))
        let second = try Certificate(pemEncoded: String(contentsOfFile: home.appending(path: "two.example/certificate.pem").path, encoding: .utf8))
        #expect(first.serialNumber == SerialNumber(1))
        #expect(second.serialNumber == SerialNumber(2))
        // create-ca again loads, it does not replace the CA.
        let before = try String(contentsOfFile: home.appending(path: "ca/root-certificate.pem").path, encoding: .utf8)
        try ca(["create-ca"], home: home)
        #expect(try String(contentsOfFile: home.appending(path: "ca/root-certificate.pem").path, encoding: .utf8) == before)
        #expect(throws: (any Error).self) { try ca(["create-certificate", "--name", "ca", "x.example"], home: home) }
        #expect(throws: (any Error).self) { try ca(["create-certificate", "--name", "../escape", "x.example"], home: home) }
    }

    @Test("openssl req -verify accepts the PKCS#10 request the toolkit writes")
    func opensslVerifiesOurRequest() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let home = directory.url.appending(path: "h")
        try ca(["create-ca"], home: home)
        try ca(["create-certificate", "--algorithm", "rsa", "req.example"], home: home)
        let result = try OpenSSLTool.run([
            "req", "-verify", "-noout", "-in", home.appending(path: "req.example/request.pem").path,
        ])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("verify OK") || result.output.contains("Certificate request self-signature verify OK"))
    }

    @Test("the toolkit accepts and signs a request made by openssl req, and openssl verify accepts the result")
    func weSignOpenSSLRequest() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let home = directory.url.appending(path: "h")
        let keyFile = directory.url.appending(path: "key.pem").path
        let requestFile = directory.url.appending(path: "req.pem").path
        let made = try OpenSSLTool.run([
            "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", keyFile,
            "-out", requestFile, "-subj", "/C=UK/O=Foreign/CN=foreign.example",
            "-addext", "subjectAltName=DNS:foreign.example,DNS:api.foreign.example",
        ])
        try #require(made.status == 0, "\(made.output)")
        let request = try CertificateSigningRequest(pemEncoded: String(contentsOfFile: requestFile, encoding: .utf8))
        #expect(request.isSignatureValid)
        #expect(request.subject.commonName == "foreign.example")
        #expect(request.alternativeNames == [.dns("foreign.example"), .dns("api.foreign.example")])

        try ca(["create-ca"], home: home)
        try ca(["sign-request", "--name", "foreign", requestFile], home: home)
        let verify = try OpenSSLTool.run([
            "verify", "-CAfile", home.appending(path: "ca/root-certificate.pem").path, "-verify_hostname",
            "api.foreign.example", home.appending(path: "foreign/certificate.pem").path,
        ])
        #expect(verify.status == 0, "\(verify.output)")
    }

    @Test("openssl crl reads the CRL and shows the revoked serial; openssl verify -crl_check rejects it")
    func revocation() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let home = directory.url.appending(path: "h")
        try ca(["create-ca"], home: home)
        try ca(["create-certificate", "kept.example"], home: home)
        try ca(["create-certificate", "gone.example"], home: home)
        try ca(["crl"], home: home)
        let root = home.appending(path: "ca/root-certificate.pem").path
        let crl = home.appending(path: "ca/crl.pem").path
        let empty = try OpenSSLTool.run(["crl", "-in", crl, "-noout", "-text", "-CAfile", root])
        #expect(empty.status == 0, "\(empty.output)")
        #expect(empty.output.contains("No Revoked Certificates"))

        try ca(["revoke", "gone.example"], home: home)
        try ca(["revoke", "0x01"], home: home)  // by serial: kept.example's serial is 1
        let listed = try OpenSSLTool.run(["crl", "-in", crl, "-noout", "-text", "-CAfile", root])
        #expect(listed.status == 0, "\(listed.output)")
        #expect(listed.output.contains("verify OK"))
        #expect(listed.output.contains("Serial Number: 02"))
        #expect(listed.output.contains("Serial Number: 01"))

        let gone = home.appending(path: "gone.example/certificate.pem").path
        let check = try OpenSSLTool.run(["verify", "-crl_check", "-CAfile", root, "-CRLfile", crl, gone])
        #expect(check.status != 0)
        #expect(check.output.contains("certificate revoked"))

        let list = try CertificateRevocationList(pemEncoded: String(contentsOfFile: crl, encoding: .utf8))
        #expect(Set(list.revokedCertificates.map(\.serialNumber)) == [SerialNumber(1), SerialNumber(2)])
    }
}
