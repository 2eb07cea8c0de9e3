public import P2PCrypto

/// The responder's side of the handshake: a pure state machine that returns messages and never does I/O.
///
/// It learns which locally hosted identity is addressed only from the decrypted InitiatorHandshake,
/// through the caller's ``SessionKeyLookup`` (multi-tenancy). Every step caches its output, so a
/// retransmitted message gets the identical answer. A message that fails a check throws and leaves
/// the state unchanged.
public struct SessionResponder: ~Copyable, Sendable {
    private let configuration: ResponderConfiguration
    private let ephemeral: X25519.PrivateKey
    private var state: State

    private enum State {
        case awaitingInitiatorHello
        case awaitingInitiatorHandshake(AfterHello)
        case established(AfterHello, Established)
    }

    private struct AfterHello {
        let initiatorHello: InitiatorHello
        let initiatorHelloEncoded: [UInt8]
        let message: ResponderHello
        let sharedSecret: SecretBytes
        let secrets: HandshakeSecrets
        /// SHA-256 state over IH ‖ RH.
        let transcript: SHA256
    }

    private struct Established {
        let initiatorHandshakeEncoded: [UInt8]
        let initiatorPayloadEncoded: [UInt8]
        let responderPayloadEncoded: [UInt8]
        let message: ResponderHandshake
        let parameters: SessionParameters
        let dataSecrets: DataSecrets
        let transcriptHash: [UInt8]
    }

    /// Creates the responder's ephemeral key from `random`.
    public init(configuration: ResponderConfiguration, random: inout some RandomSource) throws(SessionError) {
        try configuration.validate()
        self.configuration = configuration
        ephemeral = X25519.PrivateKey(using: &random)
        state = .awaitingInitiatorHello
    }

    /// Takes the ``InitiatorHello`` and returns the ``ResponderHello`` with the strongest common mode.
    public mutating func receive(_ initiatorHello: InitiatorHello) throws(SessionError) -> ResponderHello {
        let encoded = initiatorHello.encoded
        switch state {
        case .awaitingInitiatorHandshake(let after), .established(let after, _):
            guard after.initiatorHelloEncoded == encoded else {
                throw SessionError(.unexpectedMessage, "a different InitiatorHello after the first")
            }
            return after.message
        case .awaitingInitiatorHello:
            break
        }
        guard let mode = configuration.supportedModes.intersection(initiatorHello.supportedModes).strongest else {
            throw SessionError(.noCommonMode)
        }
        let shared = try KeySchedule.sharedSecret(ephemeral, initiatorHello.ephemeralKey)
        let message = try ResponderHello(ephemeralKey: ephemeral.publicKey.rawRepresentation, selectedMode: mode)
        var transcript = SHA256()
        transcript.update(encoded)
        transcript.update(message.encoded)
        state = .awaitingInitiatorHandshake(
            AfterHello(
                initiatorHello: initiatorHello, initiatorHelloEncoded: encoded, message: message,
                sharedSecret: shared,
                secrets: HandshakeSecrets(
                    sharedSecret: shared, sessionID: initiatorHello.sessionID,
                    initiatorEphemeral: initiatorHello.ephemeralKey, responderEphemeral: message.ephemeralKey),
                transcript: transcript))
        return message
    }

    /// Takes the ``InitiatorHandshake``, finds the addressed local identity and the initiator's key through
    /// `lookup`, verifies everything, and returns the ``ResponderHandshake``; the handshake is then established.
    public mutating func receive(
        _ initiatorHandshake: InitiatorHandshake, lookup: some SessionKeyLookup
    ) throws(SessionError) -> ResponderHandshake {
        let encoded = initiatorHandshake.encoded
        let after: AfterHello
        switch state {
        case .awaitingInitiatorHello:
            throw SessionError(.unexpectedMessage, "InitiatorHandshake before InitiatorHello")
        case .established(_, let established):
            guard established.initiatorHandshakeEncoded == encoded else {
                throw SessionError(.unexpectedMessage, "a different InitiatorHandshake after the first")
            }
            return established.message
        case .awaitingInitiatorHandshake(let current):
            after = current
        }
        let hello = after.initiatorHello
        let sessionID = hello.sessionID

        let plaintext = try after.secrets.open(initiatorHandshake.sealed, from: .initiator, sessionID: sessionID)
        let payload = try InitiatorHandshakePayload(encoded: plaintext)
        guard payload.supportedModes == hello.supportedModes else {
            throw SessionError(.modeDowngrade, "the InitiatorHello's modes were changed in transit")
        }
        guard payload.groupID == hello.groupID else {
            throw SessionError(.wrongGroup, "the group differs between hello and handshake")
        }
        guard constantTimeEquals(payload.initiatorKeyHash, hello.initiatorKeyHash) else {
            throw SessionError(.wrongIdentityKey, "the initiator key hash differs between hello and handshake")
        }
        let localIdentity: Ed25519.SigningKey
        switch lookup.localIdentity(keyHash: payload.responderKeyHash, groupID: payload.groupID) {
        case .unknownKeyHash:
            throw SessionError(.unknownResponderKeyHash)
        case .notInGroup:
            throw SessionError(.wrongGroup, "the addressed identity is not hosted in this group")
        case .found(let key):
            guard constantTimeEquals(KeySchedule.keyHash(key.verifyingKey), payload.responderKeyHash) else {
                throw SessionError(.wrongIdentityKey, "the lookup returned a key with another hash")
            }
            localIdentity = key
        }
        guard let peerKey = lookup.peerIdentity(keyHash: payload.initiatorKeyHash, groupID: payload.groupID) else {
            throw SessionError(.unknownInitiatorKeyHash)
        }
        guard constantTimeEquals(KeySchedule.keyHash(peerKey), payload.initiatorKeyHash) else {
            throw SessionError(.wrongIdentityKey, "the member lookup returned a key with another hash")
        }
        guard Int(payload.maxMessageSize) >= SessionLimits.minimumMaxMessageSize else {
            throw SessionError(.maxMessageSizeBelowFloor, "initiator proposed \(payload.maxMessageSize)")
        }
        let prefix = payload.prefix
        // The finished MAC first: it is cheap, and a transcript that differs between the two sides
        // (a message changed in transit) shows here as tampering rather than as a bad signature.
        var finished = after.transcript
        finished.update(prefix)
        finished.update(payload.signature)
        guard constantTimeEquals(after.secrets.finished(.initiator, transcriptHash: finished.finalize()), payload.finished)
        else { throw SessionError(.tamperedMessage, "the initiator's finished MAC does not verify") }
        var signed = after.transcript
        signed.update(prefix)
        do {
            try peerKey.verify(signature: payload.signature, for: KeySchedule.initiatorSignatureContext + signed.finalize())
        } catch {
            throw SessionError(.wrongIdentityKey, "the initiator's signature does not verify")
        }

        // Answer.
        let agreed = min(Int(payload.maxMessageSize), configuration.maxMessageSize)
        var transcript = after.transcript
        transcript.update(plaintext)
        var response = ResponderHandshakePayload(
            responderKeyHash: payload.responderKeyHash, initiatorKeyHash: payload.initiatorKeyHash,
            supportedModes: configuration.supportedModes, maxMessageSize: UInt32(agreed))
        let responsePrefix = response.prefix
        var responseSigned = transcript
        responseSigned.update(responsePrefix)
        response.signature = localIdentity.signature(
            for: KeySchedule.responderSignatureContext + responseSigned.finalize())
        var responseFinished = transcript
        responseFinished.update(responsePrefix)
        responseFinished.update(response.signature)
        response.finished = after.secrets.finished(.responder, transcriptHash: responseFinished.finalize())
        let responsePlaintext = response.encoded
        transcript.update(responsePlaintext)
        let transcriptHash = transcript.finalize()
        let message = try ResponderHandshake(
            sealed: after.secrets.seal(responsePlaintext, from: .responder, sessionID: sessionID))

        let parameters = SessionParameters(
            sessionID: sessionID, role: .responder, mode: after.message.selectedMode, maxMessageSize: agreed,
            groupID: hello.groupID, initiatorKeyHash: payload.initiatorKeyHash,
            responderKeyHash: payload.responderKeyHash)
        state = .established(
            after,
            Established(
                initiatorHandshakeEncoded: encoded, initiatorPayloadEncoded: plaintext,
                responderPayloadEncoded: responsePlaintext, message: message, parameters: parameters,
                dataSecrets: DataSecrets(sharedSecret: after.sharedSecret, transcriptHash: transcriptHash),
                transcriptHash: transcriptHash))
        return message
    }

    /// Whether the handshake finished.
    public var isEstablished: Bool {
        if case .established = state { return true }
        return false
    }

    /// What both sides agreed (including which local identity answered), once established.
    public var parameters: SessionParameters? {
        if case .established(_, let established) = state { return established.parameters }
        return nil
    }

    /// Consumes the finished handshake into the data-phase ``TransportSession``.
    public consuming func transportSession() throws(SessionError) -> TransportSession {
        guard case .established(_, let established) = state else {
            throw SessionError(.handshakeNotFinished)
        }
        return TransportSession(parameters: established.parameters, secrets: established.dataSecrets)
    }

    // MARK: Test visibility

    /// The transcript hashes this side knows: `H(IH)`, `H(IH ‖ RH)`, `H(IH ‖ RH ‖ IP)`, `H(IH ‖ RH ‖ IP ‖ RP)`,
    /// as far as the handshake got.
    @_spi(Testing) public var transcriptHashes: [[UInt8]] {
        switch state {
        case .awaitingInitiatorHello:
            return []
        case .awaitingInitiatorHandshake(let after):
            return prefixHashes([after.initiatorHelloEncoded, after.message.encoded])
        case .established(let after, let established):
            return prefixHashes([
                after.initiatorHelloEncoded, after.message.encoded, established.initiatorPayloadEncoded,
                established.responderPayloadEncoded,
            ])
        }
    }

    /// The handshake secrets in the order of `docs/session-protocol.md` §4, once derived.
    @_spi(Testing) public var handshakeKeyMaterial: [SecretBytes] {
        switch state {
        case .awaitingInitiatorHello: return []
        case .awaitingInitiatorHandshake(let after), .established(let after, _): return after.secrets.all
        }
    }

    /// The data secrets (i key, r key, i iv, r iv), once established.
    @_spi(Testing) public var dataKeyMaterial: [SecretBytes] {
        if case .established(_, let established) = state { return established.dataSecrets.all }
        return []
    }
}
