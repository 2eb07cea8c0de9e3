import P2PCrypto

/// The HKDF labels, signature contexts and derivations of `docs/session-protocol.md` §4.
enum KeySchedule {
    static let initiatorHandshakeKeyLabel = Array("p2p-session v1 i hs key".utf8)
    static let responderHandshakeKeyLabel = Array("p2p-session v1 r hs key".utf8)
    static let initiatorHandshakeIVLabel = Array("p2p-session v1 i hs iv".utf8)
    static let responderHandshakeIVLabel = Array("p2p-session v1 r hs iv".utf8)
    static let initiatorFinishedLabel = Array("p2p-session v1 i finished".utf8)
    static let responderFinishedLabel = Array("p2p-session v1 r finished".utf8)
    static let initiatorDataKeyLabel = Array("p2p-session v1 i data key".utf8)
    static let responderDataKeyLabel = Array("p2p-session v1 r data key".utf8)
    static let initiatorDataIVLabel = Array("p2p-session v1 i data iv".utf8)
    static let responderDataIVLabel = Array("p2p-session v1 r data iv".utf8)

    static let initiatorSignatureContext = signatureContext("p2p-session v1 initiator signature")
    static let responderSignatureContext = signatureContext("p2p-session v1 responder signature")

    private static func signatureContext(_ text: String) -> [UInt8] {
        [UInt8](repeating: 0x20, count: 64) + Array(text.utf8) + [0x00]
    }

    /// The context `role` signs under.
    static func signatureContext(_ role: SessionRole) -> [UInt8] {
        switch role {
        case .initiator: initiatorSignatureContext
        case .responder: responderSignatureContext
        }
    }

    static let keyByteCount = 32
    static let ivByteCount = AEADNonce.byteCount

    /// SHA-256 of a raw Ed25519 public key: how identities are named in the handshake.
    static func keyHash(_ key: Ed25519.VerifyingKey) -> [UInt8] { SHA256.hash(key.rawRepresentation) }

    /// The AAD of a sealed handshake: its type, the version and the session id.
    static func handshakeAssociatedData(_ type: MessageType, sessionID: [UInt8]) -> [UInt8] {
        [type.rawValue, SessionLimits.protocolVersion] + sessionID
    }

    /// X25519 with the session's error mapping.
    static func sharedSecret(_ key: X25519.PrivateKey, _ peerKey: [UInt8]) throws(SessionError) -> SecretBytes {
        do {
            return try key.sharedSecret(with: X25519.PublicKey(rawRepresentation: peerKey))
        } catch {
            throw SessionError(.weakEphemeralKey, "X25519 with the peer's ephemeral key failed")
        }
    }

    static func expand(_ prk: SecretBytes, _ label: [UInt8], _ count: Int) -> SecretBytes {
        // Lengths here are ≤ 32 bytes, far below HKDF's 8160-byte limit.
        try! HKDF.expand(pseudoRandomKey: prk, info: label, count: count)
    }
}

/// Secrets known to both sides after the two hellos.
struct HandshakeSecrets {
    let initiatorKeyBytes: SecretBytes
    let responderKeyBytes: SecretBytes
    let initiatorIVBytes: SecretBytes
    let responderIVBytes: SecretBytes
    let initiatorFinishedKey: SecretBytes
    let responderFinishedKey: SecretBytes

    init(sharedSecret: SecretBytes, sessionID: [UInt8], initiatorEphemeral: [UInt8], responderEphemeral: [UInt8]) {
        let prk = HKDF.extract(
            salt: sessionID + initiatorEphemeral + responderEphemeral, inputKeyMaterial: sharedSecret)
        initiatorKeyBytes = KeySchedule.expand(prk, KeySchedule.initiatorHandshakeKeyLabel, KeySchedule.keyByteCount)
        responderKeyBytes = KeySchedule.expand(prk, KeySchedule.responderHandshakeKeyLabel, KeySchedule.keyByteCount)
        initiatorIVBytes = KeySchedule.expand(prk, KeySchedule.initiatorHandshakeIVLabel, KeySchedule.ivByteCount)
        responderIVBytes = KeySchedule.expand(prk, KeySchedule.responderHandshakeIVLabel, KeySchedule.ivByteCount)
        initiatorFinishedKey = KeySchedule.expand(prk, KeySchedule.initiatorFinishedLabel, KeySchedule.keyByteCount)
        responderFinishedKey = KeySchedule.expand(prk, KeySchedule.responderFinishedLabel, KeySchedule.keyByteCount)
    }

    /// In the order of the table in `docs/session-protocol.md` §4.
    var all: [SecretBytes] {
        [initiatorKeyBytes, responderKeyBytes, initiatorIVBytes, responderIVBytes, initiatorFinishedKey,
         responderFinishedKey]
    }

    func seal(_ payload: [UInt8], from role: SessionRole, sessionID: [UInt8]) -> [UInt8] {
        let (key, iv, type) = parameters(role)
        return ChaCha20Poly1305.seal(
            payload, associatedData: KeySchedule.handshakeAssociatedData(type, sessionID: sessionID),
            nonce: iv, key: key)
    }

    func open(_ sealed: [UInt8], from role: SessionRole, sessionID: [UInt8]) throws(SessionError) -> [UInt8] {
        let (key, iv, type) = parameters(role)
        do {
            return try ChaCha20Poly1305.open(
                sealed, associatedData: KeySchedule.handshakeAssociatedData(type, sessionID: sessionID),
                nonce: iv, key: key)
        } catch {
            throw SessionError(.tamperedMessage, "sealed handshake did not authenticate")
        }
    }

    private func parameters(_ role: SessionRole) -> (ChaCha20Poly1305.Key, AEADNonce, MessageType) {
        switch role {
        case .initiator:
            (nonceKey(initiatorKeyBytes), nonce(initiatorIVBytes), .initiatorHandshake)
        case .responder:
            (nonceKey(responderKeyBytes), nonce(responderIVBytes), .responderHandshake)
        }
    }

    private func nonceKey(_ bytes: SecretBytes) -> ChaCha20Poly1305.Key { try! ChaCha20Poly1305.Key(bytes) }
    private func nonce(_ bytes: SecretBytes) -> AEADNonce { bytes.withUnsafeBytes { try! AEADNonce(bytes: $0) } }

    /// The finished MAC of `transcriptHash` for `role`.
    func finished(_ role: SessionRole, transcriptHash: [UInt8]) -> [UInt8] {
        let key = role == .initiator ? initiatorFinishedKey : responderFinishedKey
        return HMACSHA256(key: key).authenticate(transcriptHash)
    }
}

/// What both sides know once the two hellos are exchanged: the X25519 secret, the handshake secrets
/// and the transcript so far.
struct HelloKeys {
    let sharedSecret: SecretBytes
    let secrets: HandshakeSecrets
    /// SHA-256 state over IH ‖ RH.
    let transcript: SHA256

    /// Agrees `role`'s `ephemeral` key with the other hello's, given both hellos and their encodings.
    init(
        _ role: SessionRole, ephemeral: X25519.PrivateKey, initiatorHello: InitiatorHello,
        initiatorHelloEncoded: [UInt8], responderHello: ResponderHello, responderHelloEncoded: [UInt8]
    ) throws(SessionError) {
        let peerKey = role == .initiator ? responderHello.ephemeralKey : initiatorHello.ephemeralKey
        sharedSecret = try KeySchedule.sharedSecret(ephemeral, peerKey)
        secrets = HandshakeSecrets(
            sharedSecret: sharedSecret, sessionID: initiatorHello.sessionID,
            initiatorEphemeral: initiatorHello.ephemeralKey, responderEphemeral: responderHello.ephemeralKey)
        var transcript = SHA256()
        transcript.update(initiatorHelloEncoded)
        transcript.update(responderHelloEncoded)
        self.transcript = transcript
    }
}

/// The data-phase secrets, derived from the complete transcript.
struct DataSecrets {
    let initiatorKey: SecretBytes
    let responderKey: SecretBytes
    let initiatorIV: SecretBytes
    let responderIV: SecretBytes

    init(sharedSecret: SecretBytes, transcriptHash: [UInt8]) {
        let prk = HKDF.extract(salt: transcriptHash, inputKeyMaterial: sharedSecret)
        initiatorKey = KeySchedule.expand(prk, KeySchedule.initiatorDataKeyLabel, KeySchedule.keyByteCount)
        responderKey = KeySchedule.expand(prk, KeySchedule.responderDataKeyLabel, KeySchedule.keyByteCount)
        initiatorIV = KeySchedule.expand(prk, KeySchedule.initiatorDataIVLabel, KeySchedule.ivByteCount)
        responderIV = KeySchedule.expand(prk, KeySchedule.responderDataIVLabel, KeySchedule.ivByteCount)
    }

    var all: [SecretBytes] { [initiatorKey, responderKey, initiatorIV, responderIV] }
}

/// Which end of the session a party is.
public enum SessionRole: Sendable, Hashable {
    case initiator
    case responder
}

/// `[H(e0), H(e0 ‖ e1), …]`: the transcript hash after each encoding.
func prefixHashes(_ encodings: [[UInt8]]) -> [[UInt8]] {
    var hasher = SHA256()
    return encodings.map { encoding in
        hasher.update(encoding)
        let snapshot = hasher
        return snapshot.finalize()
    }
}
