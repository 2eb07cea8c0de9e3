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
        return try! InitiatorHandshake(sealed: seal(&payload, transcript: helloBytes, signer: signer))
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
        return try! ResponderHandshake(sealed: seal(&payload, transcript: transcript, signer: signer))
    }

    /// Signs `payload` (unless `signer` is nil), MACs it over `transcript` (the concatenated messages
    /// before it) with its sender's finished key, and seals it under its sender's handshake key.
    private func seal(
        _ payload: inout some HandshakePayload, transcript: [UInt8], signer: Ed25519.SigningKey?
    ) -> [UInt8] {
        let sender = type(of: payload).sender
        let (keyIndex, ivIndex, finishedIndex, messageType): (Int, Int, Int, UInt8) =
            sender == .initiator ? (0, 2, 4, 0x03) : (1, 3, 5, 0x04)
        let prefix = payload.prefix
        if let signer {
            payload.signature = signer.signature(
                for: KeySchedule.signatureContext(sender) + SHA256.hash(transcript + prefix))
        }
        payload.finished = HMACSHA256(key: material[finishedIndex]).authenticate(
            SHA256.hash(transcript + prefix + payload.signature))
        return ChaCha20Poly1305.seal(
            payload.encoded, associatedData: [messageType, 0x01] + sessionID, nonce: nonce(ivIndex), key: key(keyIndex))
    }
}
