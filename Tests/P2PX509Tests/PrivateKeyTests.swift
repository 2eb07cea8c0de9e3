import P2PX509
import Testing

@Suite("Key pairs")
struct PrivateKeyTests {
    @Test(
        "each algorithm generates a key that round-trips through PEM and DER",
        arguments: [KeyAlgorithm.ecP256, .rsa(bits: 2048), .ed25519])
    func roundTrip(algorithm: KeyAlgorithm) throws {
        let key = try PrivateKey(generating: algorithm)
        #expect(key.algorithm == algorithm)
        let pem = try key.pemRepresentation
        #expect(pem.hasPrefix("-----BEGIN PRIVATE KEY-----"))
        let fromPEM = try PrivateKey(pemEncoded: pem)
        #expect(fromPEM.publicKey == key.publicKey)
        let fromDER = try PrivateKey(derEncoded: try key.derRepresentation)
        #expect(fromDER.publicKey == key.publicKey)
        let publicKey = try PublicKey(pemEncoded: try key.publicKey.pemRepresentation)
        #expect(publicKey == key.publicKey)
        #expect(try PublicKey(derEncoded: key.publicKey.derRepresentation) == key.publicKey)
    }

    @Test("a private key prints its algorithm, never its bytes")
    func redacted() throws {
        let key = try PrivateKey(generating: .ecP256)
        #expect(String(describing: key) == "PrivateKey(EC P-256, redacted)")
        #expect(!"\(key)".contains("BEGIN"))
    }

    @Test("RSA sizes outside 2048/3072/4096 are refused")
    func rsaSizes() {
        #expect(throws: X509Error(.unsupportedKeyAlgorithm)) { try PrivateKey(generating: .rsa(bits: 1024)) }
    }

    @Test("garbage is not a key")
    func garbage() {
        #expect(throws: X509Error(.invalidPEM)) { try PrivateKey(pemEncoded: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n") }
        #expect(throws: X509Error(.invalidDER)) { try PrivateKey(derEncoded: [0x30, 0x03, 0x02, 0x01]) }
    }
}
