import P2PCrypto

/// The signature and finished MAC of a handshake payload (`docs/session-protocol.md` §5), made and
/// checked the same way by both sides: the signature covers `transcript ‖ prefix`, the finished MAC
/// `transcript ‖ prefix ‖ signature`, each under the sender's context and key.
extension HandshakePayload {
    /// Signs this payload with the sender's `identity` and sets its finished MAC, over `transcript`
    /// (the SHA-256 state of the messages before this payload).
    mutating func authenticate(transcript: SHA256, identity: Ed25519.SigningKey, secrets: HandshakeSecrets) {
        var covered = transcript
        covered.update(prefix)
        let signed = covered
        signature = identity.signature(for: KeySchedule.signatureContext(Self.sender) + signed.finalize())
        covered.update(signature)
        finished = secrets.finished(Self.sender, transcriptHash: covered.finalize())
    }

    /// Checks the sender's finished MAC, then its signature under `identity`, over `transcript`.
    ///
    /// The finished MAC first: it is cheap, and a transcript that differs between the two sides (a message
    /// changed in transit) shows here as tampering rather than as a bad signature.
    func verify(transcript: SHA256, identity: Ed25519.VerifyingKey, secrets: HandshakeSecrets) throws(SessionError) {
        var covered = transcript
        covered.update(prefix)
        let signed = covered
        covered.update(signature)
        guard constantTimeEquals(secrets.finished(Self.sender, transcriptHash: covered.finalize()), finished) else {
            throw SessionError(.tamperedMessage, "the \(Self.sender)'s finished MAC does not verify")
        }
        do {
            try identity.verify(
                signature: signature, for: KeySchedule.signatureContext(Self.sender) + signed.finalize())
        } catch {
            throw SessionError(.wrongIdentityKey, "the \(Self.sender)'s signature does not verify")
        }
    }
}
