import P2PCrypto
@_spi(Testing) @testable import P2PSession

/// Plays a lying peer: opens, edits, re-signs and re-seals handshake payloads with the real handshake
/// secrets (read from the honest side through the testing SPI), so a test reaches one specific check.
struct Forge {
    let initiatorHello: InitiatorHello
    let responderHello: ResponderHello
    let material: [SecretBytes]

    private var sessionID: [UInt8] { initiatorHello.sessionID }
    private func key(_ index: Int) -> ChaCha20Poly1305.Key { try! ChaCha20Poly1305.Key(material[index]) }
    private func nonce(_ index: Int) -> AEADNonce { material[index].withUnsafeBytes { try! AEADNonce(bytes: $0) } }
    private var helloBytes: [UInt8] { initiatorHello.encoded + responderHello.encoded }

    /// The decrypted InitiatorHandshakePayload encoding.
    func open(_ handshake: InitiatorHandshake) -> [UInt8] {
        try! ChaCha20Poly1305.open(
            handshake.sealed, associatedData: [0x03, 0x01] + sessionID, nonce: nonce(2), key: key(0))
    }

    /// The honest payload after `edit`, re-signed by `signer` (nil: keep the signature) with a fresh finished MAC.
    func initiatorHandshake(
        from honest: InitiatorHandshake, signer: Ed25519.SigningKey? = Keys.a,
        edit: (inout InitiatorHandshakePayload) -> Void
    ) -> InitiatorHandshake {
        var payload = try! InitiatorHandshakePayload(encoded: open(honest))
        edit(&payload)
        let prefix = payload.prefix
        if let signer {
            payload.signature = signer.signature(
                for: KeySchedule.initiatorSignatureContext + SHA256.hash(helloBytes + prefix))
        }
        payload.finished = HMACSHA256(key: material[4]).authenticate(
            SHA256.hash(helloBytes + prefix + payload.signature))
        let sealed = ChaCha20Poly1305.seal(
            payload.encoded, associatedData: [0x03, 0x01] + sessionID, nonce: nonce(2), key: key(0))
        return try! InitiatorHandshake(sealed: sealed)
    }

    /// A ResponderHandshake a lying responder would send after `initiatorHandshake`.
    func responderHandshake(
        after initiatorHandshake: InitiatorHandshake, signer: Ed25519.SigningKey = Keys.b,
        responderKeyHash: [UInt8] = sessionKeyHash(Keys.b.verifyingKey), supportedModes: ProtocolModes = .all,
        maxMessageSize: UInt32 = 32_768
    ) -> ResponderHandshake {
        let transcript = helloBytes + open(initiatorHandshake)
        var payload = ResponderHandshakePayload(
            responderKeyHash: responderKeyHash, initiatorKeyHash: sessionKeyHash(Keys.a.verifyingKey),
            supportedModes: supportedModes, maxMessageSize: maxMessageSize)
        let prefix = payload.prefix
        payload.signature = signer.signature(
            for: KeySchedule.responderSignatureContext + SHA256.hash(transcript + prefix))
        payload.finished = HMACSHA256(key: material[5]).authenticate(
            SHA256.hash(transcript + prefix + payload.signature))
        let sealed = ChaCha20Poly1305.seal(
            payload.encoded, associatedData: [0x04, 0x01] + sessionID, nonce: nonce(3), key: key(1))
        return try! ResponderHandshake(sealed: sealed)
    }
}
