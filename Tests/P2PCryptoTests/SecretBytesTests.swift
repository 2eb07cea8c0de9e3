import P2PCrypto
import Testing

@Suite("Secret handling")
struct SecretBytesTests {
    @Test func secretsAreRedactedWhenPrinted() throws {
        let secret = SecretBytes(copying: [0xde, 0xad, 0xbe, 0xef])
        for text in [String(describing: secret), String(reflecting: secret), "\(secret)"] {
            #expect(!text.lowercased().contains("dead"))
            #expect(!text.contains("222"))  // 0xde
            #expect(text.contains("redacted"))
        }
        var dumped = ""
        dump(secret, to: &dumped)
        #expect(!dumped.lowercased().contains("dead"))
        let signing = Ed25519.SigningKey()
        #expect(String(describing: signing).contains("redacted"))
        #expect(String(describing: X25519.PrivateKey()).contains("redacted"))
    }

    @Test func secretsCompareByContent() {
        #expect(SecretBytes(copying: [1, 2, 3]) == SecretBytes(copying: [1, 2, 3]))
        #expect(SecretBytes(copying: [1, 2, 3]) != SecretBytes(copying: [1, 2, 4]))
        #expect(SecretBytes(copying: [1, 2, 3]) != SecretBytes(copying: [1, 2]))
        #expect(constantTimeEquals([9, 9], [9, 9]))
        #expect(!constantTimeEquals([9, 9], [9, 8]))
    }

    @Test func randomSecretsDiffer() {
        #expect(SecretBytes.random(count: 32) != SecretBytes.random(count: 32))
        var random = SystemRandomSource()
        #expect(random.bytes(count: 16) != random.bytes(count: 16))
    }

    @Test func wrongKeyLengthsAreRejected() {
        #expect(throws: CryptoError(.invalidLength)) { try ChaCha20Poly1305.Key(SecretBytes(copying: [1])) }
        #expect(throws: CryptoError(.invalidLength)) { try Ed25519.SigningKey(seed: SecretBytes(copying: [1])) }
        #expect(throws: CryptoError(.invalidLength)) { try X25519.PrivateKey(secret: SecretBytes(copying: [1])) }
        #expect(throws: CryptoError(.invalidLength)) { try AEADNonce(bytes: [1, 2]) }
    }

    @Test func errorCodesAreStableAndDescriptionsCarryNoBytes() {
        #expect(CryptoError.Code.invalidLength.rawValue == 300)
        #expect(CryptoError.Code.authenticationFailed.rawValue == 301)
        #expect(CryptoError.Code.invalidSignature.rawValue == 302)
        #expect(CryptoError.Code.weakPublicKey.rawValue == 303)
        #expect(CryptoError.Code.outputBufferTooSmall.rawValue == 304)
        #expect(CryptoError.Code.algorithmUnavailable.rawValue == 305)
        #expect(CryptoError.Code.outputTooLong.rawValue == 306)
        #expect(CryptoError(.authenticationFailed).description == "CryptoError: authentication failed (301)")
    }
}
