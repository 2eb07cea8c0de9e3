import P2PCrypto
import Testing

@Suite("Primitives against published vectors")
struct PrimitiveVectorTests {
    // MARK: ChaCha20-Poly1305 (RFC 8439 §2.8.2)

    static let rfc8439Key = hex("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f")
    static let rfc8439Nonce = hex("070000004041424344454647")
    static let rfc8439AAD = hex("50515253c0c1c2c3c4c5c6c7")
    static let rfc8439Plaintext = Array(
        "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it."
            .utf8)
    static let rfc8439Ciphertext = hex(
        """
        d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6
        3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36
        92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc
        3ff4def08e4b7a9de576d26586cec64b6116
        """)
    static let rfc8439Tag = hex("1ae10b594f09e26a7e902ecbd0600691")

    @Test func chaCha20Poly1305SealsRFC8439Vector() throws {
        let key = try ChaCha20Poly1305.Key(SecretBytes(copying: Self.rfc8439Key))
        let nonce = try AEADNonce(bytes: Self.rfc8439Nonce)
        let sealed = ChaCha20Poly1305.seal(
            Self.rfc8439Plaintext, associatedData: Self.rfc8439AAD, nonce: nonce, key: key)
        #expect(sealed == Self.rfc8439Ciphertext + Self.rfc8439Tag)
        let opened = try ChaCha20Poly1305.open(sealed, associatedData: Self.rfc8439AAD, nonce: nonce, key: key)
        #expect(opened == Self.rfc8439Plaintext)
    }

    @Test func chaCha20Poly1305RejectsEveryTamperedPart() throws {
        let key = try ChaCha20Poly1305.Key(SecretBytes(copying: Self.rfc8439Key))
        let nonce = try AEADNonce(bytes: Self.rfc8439Nonce)
        let sealed = Self.rfc8439Ciphertext + Self.rfc8439Tag
        for index in [0, 57, sealed.count - 1] {  // ciphertext start, middle, tag end
            var tampered = sealed
            tampered[index] ^= 0x01
            #expect(throws: CryptoError(.authenticationFailed)) {
                try ChaCha20Poly1305.open(tampered, associatedData: Self.rfc8439AAD, nonce: nonce, key: key)
            }
        }
        var aad = Self.rfc8439AAD
        aad[0] ^= 0x80
        #expect(throws: CryptoError(.authenticationFailed)) {
            try ChaCha20Poly1305.open(sealed, associatedData: aad, nonce: nonce, key: key)
        }
        #expect(throws: CryptoError(.authenticationFailed)) {
            try ChaCha20Poly1305.open(
                sealed, associatedData: Self.rfc8439AAD, nonce: nonce.xoring(sequenceNumber: 1), key: key)
        }
    }

    @Test func chaCha20Poly1305SealsInPlaceIntoACallerBuffer() throws {
        let key = try ChaCha20Poly1305.Key(SecretBytes(copying: Self.rfc8439Key))
        let nonce = try AEADNonce(bytes: Self.rfc8439Nonce)
        var buffer = Self.rfc8439Plaintext + [UInt8](repeating: 0, count: 16)
        let count = Self.rfc8439Plaintext.count
        let sealedCount = try buffer.withUnsafeMutableBytes { raw in
            try Self.rfc8439AAD.withUnsafeBytes { aad in
                try ChaCha20Poly1305.seal(
                    UnsafeRawBufferPointer(rebasing: raw[0..<count]), associatedData: aad,
                    nonce: nonce, key: key, into: raw)
            }
        }
        #expect(sealedCount == count + 16)
        #expect(buffer == Self.rfc8439Ciphertext + Self.rfc8439Tag)
        var small = [UInt8](repeating: 0, count: count)
        #expect(throws: CryptoError(.outputBufferTooSmall)) {
            try small.withUnsafeMutableBytes { out in
                try Self.rfc8439Plaintext.withUnsafeBytes { p in
                    try ChaCha20Poly1305.seal(
                        p, associatedData: UnsafeRawBufferPointer(start: nil, count: 0), nonce: nonce, key: key,
                        into: out)
                }
            }
        }
    }

    @Test(arguments: [(0, 0), (12, 0), (0, 1024), (5, 11), (40, 1000), (16, 16), (17, 3)])
    func authenticationTagEqualsTheAEADTagOfAnEmptyPlaintext(firstCount: Int, secondCount: Int) throws {
        let key = try ChaCha20Poly1305.Key(SecretBytes(copying: Self.rfc8439Key))
        let nonce = try AEADNonce(bytes: Self.rfc8439Nonce)
        let first = (0..<firstCount).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let second = (0..<secondCount).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ 1) }
        let expected = ChaCha20Poly1305.seal([], associatedData: first + second, nonce: nonce, key: key)
        var tag = [UInt8](repeating: 0, count: 16)
        first.withUnsafeBytes { a in
            second.withUnsafeBytes { b in
                tag.withUnsafeMutableBytes { t in
                    ChaCha20Poly1305.authenticationTag(associatedData: a, b, nonce: nonce, key: key, into: t)
                }
            }
        }
        #expect(tag == expected)
    }

    @Test func nonceXorPutsTheSequenceNumberBigEndianInTheLastEightBytes() throws {
        let iv = try AEADNonce(bytes: hex("000102030405060708090a0b"))
        #expect(iv.xoring(sequenceNumber: 0x0102_0304_0506_0708).bytes == hex("00010203050705030d0f0d03"))
        #expect(iv.xoring(sequenceNumber: 0).bytes == iv.bytes)
    }

    // MARK: AES-256-GCM (McGrew–Viega GCM spec test case 16)

    @Test(.enabled(if: AES256GCM.isAvailable, "AES-256-GCM needs AES-NI + PCLMUL"))
    func aes256GCMSealsTestCase16() throws {
        let key = try AES256GCM.Key(
            SecretBytes(copying: hex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308")))
        let nonce = try AEADNonce(bytes: hex("cafebabefacedbaddecaf888"))
        let plaintext = hex(
            """
            d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72
            1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39
            """)
        let aad = hex("feedfacedeadbeeffeedfacedeadbeefabaddad2")
        let expected = hex(
            """
            522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa
            8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662
            76fc6ece0f4e1768cddf8853bb2d551b
            """)
        var sealed = [UInt8](repeating: 0, count: plaintext.count + 16)
        _ = try sealed.withUnsafeMutableBytes { out in
            try plaintext.withUnsafeBytes { p in
                try aad.withUnsafeBytes { a in try AES256GCM.seal(p, associatedData: a, nonce: nonce, key: key, into: out) }
            }
        }
        #expect(sealed == expected)
        var opened = [UInt8](repeating: 0, count: plaintext.count)
        _ = try opened.withUnsafeMutableBytes { out in
            try sealed.withUnsafeBytes { s in
                try aad.withUnsafeBytes { a in try AES256GCM.open(s, associatedData: a, nonce: nonce, key: key, into: out) }
            }
        }
        #expect(opened == plaintext)
        sealed[sealed.count - 1] ^= 1
        #expect(throws: CryptoError(.authenticationFailed)) {
            try opened.withUnsafeMutableBytes { out in
                try sealed.withUnsafeBytes { s in
                    try aad.withUnsafeBytes { a in
                        try AES256GCM.open(s, associatedData: a, nonce: nonce, key: key, into: out)
                    }
                }
            }
        }
    }

    // MARK: X25519 (RFC 7748 §5.2 and §6.1)

    @Test(arguments: [
        (
            "a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4",
            "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c",
            "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552"
        ),
        (
            "4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d",
            "e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493",
            "95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957"
        ),
    ])
    func x25519ScalarMultiplicationRFC7748(scalar: String, u: String, expected: String) throws {
        let key = try X25519.PrivateKey(secret: SecretBytes(copying: hex(scalar)))
        let shared = try key.sharedSecret(with: X25519.PublicKey(rawRepresentation: hex(u)))
        #expect(shared == SecretBytes(copying: hex(expected)))
    }

    @Test func x25519DiffieHellmanRFC7748Section6_1() throws {
        let alice = try X25519.PrivateKey(
            secret: SecretBytes(copying: hex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a")))
        let bob = try X25519.PrivateKey(
            secret: SecretBytes(copying: hex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb")))
        #expect(alice.publicKey.rawRepresentation == hex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"))
        #expect(bob.publicKey.rawRepresentation == hex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"))
        let expected = SecretBytes(copying: hex("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"))
        #expect(try alice.sharedSecret(with: bob.publicKey) == expected)
        #expect(try bob.sharedSecret(with: alice.publicKey) == expected)
    }

    @Test func x25519RejectsALowOrderPoint() throws {
        let key = X25519.PrivateKey()
        let zeroPoint = try X25519.PublicKey(rawRepresentation: [UInt8](repeating: 0, count: 32))
        #expect(throws: CryptoError(.weakPublicKey)) { try key.sharedSecret(with: zeroPoint) }
        #expect(throws: CryptoError(.invalidLength)) { try X25519.PublicKey(rawRepresentation: [1, 2, 3]) }
    }

    // MARK: Ed25519 (RFC 8032 §7.1 tests 1–3)

    @Test(arguments: [
        (
            "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
        ),
        (
            "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
            "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
            "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"
        ),
        (
            "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
            "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
            "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"
        ),
    ])
    func ed25519RFC8032(seed: String, publicKey: String, message: String, signature: String) throws {
        let key = try Ed25519.SigningKey(seed: SecretBytes(copying: hex(seed)))
        #expect(key.verifyingKey.rawRepresentation == hex(publicKey))
        #expect(key.signature(for: hex(message)) == hex(signature))
        try key.verifyingKey.verify(signature: hex(signature), for: hex(message))
        var forged = hex(signature)
        forged[10] ^= 0x04
        #expect(throws: CryptoError(.invalidSignature)) {
            try key.verifyingKey.verify(signature: forged, for: hex(message))
        }
        #expect(throws: CryptoError(.invalidSignature)) {
            try key.verifyingKey.verify(signature: hex(signature), for: hex(message) + [0])
        }
    }

    // MARK: SHA-256, HMAC-SHA256 (RFC 4231), HKDF-SHA256 (RFC 5869 appendix A)

    @Test func sha256OfABC() {
        #expect(SHA256.hash(Array("abc".utf8)) == hex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"))
        var streaming = SHA256()
        streaming.update(Array("a".utf8))
        streaming.update(Array("bc".utf8))
        #expect(streaming.finalize() == SHA256.hash(Array("abc".utf8)))
    }

    @Test(arguments: [
        ("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "4869205468657265",
         "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
        ("4a656665", "7768617420646f2079612077616e7420666f72206e6f7468696e673f",
         "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
        ("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", String(repeating: "dd", count: 50),
         "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"),
        (String(repeating: "aa", count: 131),
         "54657374205573696e67204c6172676572205468616e20426c6f636b2d53697a65204b6579202d2048617368204b6579204669727374",
         "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
    ])
    func hmacSHA256RFC4231(key: String, data: String, expected: String) {
        #expect(HMACSHA256.authenticate(hex(data), key: hex(key)) == hex(expected))
        let mac = hex(key).withUnsafeBytes { HMACSHA256(key: $0).isValid(tag: hex(expected), for: hex(data)) }
        #expect(mac)
    }

    @Test(arguments: [
        (
            String(repeating: "0b", count: 22), "000102030405060708090a0b0c", "f0f1f2f3f4f5f6f7f8f9", 42,
            "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5",
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"
        ),
        (
            (0x00...0x4f).map { hexString([UInt8($0)]) }.joined(),
            (0x60...0xaf).map { hexString([UInt8($0)]) }.joined(),
            (0xb0...0xff).map { hexString([UInt8($0)]) }.joined(), 82,
            "06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244",
            "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87"
        ),
        (
            String(repeating: "0b", count: 22), "", "", 42,
            "19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04",
            "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8"
        ),
    ])
    func hkdfSHA256RFC5869(ikm: String, salt: String, info: String, length: Int, prk: String, okm: String) throws {
        let pseudoRandomKey = HKDF.extract(salt: hex(salt), inputKeyMaterial: SecretBytes(copying: hex(ikm)))
        #expect(pseudoRandomKey == SecretBytes(copying: hex(prk)))
        let output = try HKDF.expand(pseudoRandomKey: pseudoRandomKey, info: hex(info), count: length)
        #expect(output == SecretBytes(copying: hex(okm)))
    }

    @Test func hkdfRefusesMoreThan255Blocks() {
        let prk = SecretBytes(copying: [UInt8](repeating: 1, count: 32))
        #expect(throws: CryptoError(.outputTooLong)) {
            try HKDF.expand(pseudoRandomKey: prk, info: [], count: HKDF.maximumOutputCount + 1)
        }
    }
}
