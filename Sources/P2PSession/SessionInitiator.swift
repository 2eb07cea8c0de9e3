public import P2PCrypto

/// The initiator's side of the handshake: a pure state machine that returns messages and never does I/O.
///
/// ```
/// var initiator = try SessionInitiator(configuration: config, random: &random)
/// send(initiator.hello)
/// send(try initiator.receive(responderHello))       // → InitiatorHandshake
/// try initiator.receive(responderHandshake)         // → established
/// let transport = try initiator.transportSession()  // consumes the handshake
/// ```
///
/// Every step caches its output: receiving the identical message again returns the identical bytes.
/// A message that fails a check throws and leaves the state unchanged.
public struct SessionInitiator: ~Copyable, Sendable {
    private let configuration: InitiatorConfiguration
    private let ephemeral: X25519.PrivateKey
    private let ownKeyHash: [UInt8]
    private let responderKeyHash: [UInt8]
    /// The first message; the same value however often it is read.
    public let hello: InitiatorHello
    private let helloEncoded: [UInt8]
    private var state: State

    private enum State {
        case awaitingResponderHello
        case awaitingResponderHandshake(AfterHandshake)
        case established(AfterHandshake, Established)
    }

    private struct AfterHandshake {
        let responderHelloEncoded: [UInt8]
        let selectedMode: ProtocolMode
        let sharedSecret: SecretBytes
        let secrets: HandshakeSecrets
        let message: InitiatorHandshake
        let payloadEncoded: [UInt8]
        /// SHA-256 state over IH ‖ RH ‖ IP.
        let transcript: SHA256
    }

    private struct Established {
        let responderHandshakeEncoded: [UInt8]
        let responderPayloadEncoded: [UInt8]
        let parameters: SessionParameters
        let dataSecrets: DataSecrets
        let transcriptHash: [UInt8]
    }

    /// Creates the session id and ephemeral key from `random` and builds the ``InitiatorHello``.
    public init(configuration: InitiatorConfiguration, random: inout some RandomSource) throws(SessionError) {
        try configuration.validate()
        let sessionID = random.bytes(count: SessionLimits.sessionIDByteCount)
        let ephemeral = X25519.PrivateKey(using: &random)
        let ownKeyHash = KeySchedule.keyHash(configuration.identity.verifyingKey)
        let hello = try InitiatorHello(
            sessionID: sessionID, ephemeralKey: ephemeral.publicKey.rawRepresentation,
            supportedModes: configuration.supportedModes, initiatorKeyHash: ownKeyHash,
            groupID: configuration.groupID)
        self.configuration = configuration
        self.ephemeral = ephemeral
        self.ownKeyHash = ownKeyHash
        self.responderKeyHash = KeySchedule.keyHash(configuration.responderIdentity)
        self.hello = hello
        helloEncoded = hello.encoded
        state = .awaitingResponderHello
    }

    /// Takes the ``ResponderHello`` and returns the ``InitiatorHandshake`` to send.
    public mutating func receive(_ responderHello: ResponderHello) throws(SessionError) -> InitiatorHandshake {
        let encoded = responderHello.encoded
        switch state {
        case .awaitingResponderHandshake(let after), .established(let after, _):
            guard after.responderHelloEncoded == encoded else {
                throw SessionError(.unexpectedMessage, "a different ResponderHello after the first")
            }
            return after.message
        case .awaitingResponderHello:
            break
        }
        guard configuration.supportedModes.contains(responderHello.selectedMode) else {
            throw SessionError(.noCommonMode, "the responder selected \(responderHello.selectedMode), not offered")
        }
        let shared = try KeySchedule.sharedSecret(ephemeral, responderHello.ephemeralKey)
        let secrets = HandshakeSecrets(
            sharedSecret: shared, sessionID: hello.sessionID, initiatorEphemeral: hello.ephemeralKey,
            responderEphemeral: responderHello.ephemeralKey)

        var transcript = SHA256()
        transcript.update(helloEncoded)
        transcript.update(encoded)
        var payload = InitiatorHandshakePayload(
            responderKeyHash: responderKeyHash, initiatorKeyHash: ownKeyHash, groupID: configuration.groupID,
            supportedModes: configuration.supportedModes, maxMessageSize: UInt32(configuration.maxMessageSize))
        let prefix = payload.prefix
        var signed = transcript
        signed.update(prefix)
        payload.signature = configuration.identity.signature(
            for: KeySchedule.initiatorSignatureContext + signed.finalize())
        var finished = transcript
        finished.update(prefix)
        finished.update(payload.signature)
        payload.finished = secrets.finished(.initiator, transcriptHash: finished.finalize())

        let plaintext = payload.encoded
        transcript.update(plaintext)
        let message = try InitiatorHandshake(
            sealed: secrets.seal(plaintext, from: .initiator, sessionID: hello.sessionID))
        state = .awaitingResponderHandshake(
            AfterHandshake(
                responderHelloEncoded: encoded, selectedMode: responderHello.selectedMode, sharedSecret: shared,
                secrets: secrets, message: message, payloadEncoded: plaintext, transcript: transcript))
        return message
    }

    /// Takes the ``ResponderHandshake``; on success the handshake is established.
    public mutating func receive(_ responderHandshake: ResponderHandshake) throws(SessionError) {
        let encoded = responderHandshake.encoded
        let after: AfterHandshake
        switch state {
        case .awaitingResponderHello:
            throw SessionError(.unexpectedMessage, "ResponderHandshake before ResponderHello")
        case .established(_, let established):
            guard established.responderHandshakeEncoded == encoded else {
                throw SessionError(.unexpectedMessage, "a different ResponderHandshake after the first")
            }
            return
        case .awaitingResponderHandshake(let current):
            after = current
        }

        let plaintext = try after.secrets.open(responderHandshake.sealed, from: .responder, sessionID: hello.sessionID)
        let payload = try ResponderHandshakePayload(encoded: plaintext)
        guard constantTimeEquals(payload.responderKeyHash, responderKeyHash) else {
            throw SessionError(.wrongIdentityKey, "the responder answered for another identity")
        }
        guard constantTimeEquals(payload.initiatorKeyHash, ownKeyHash) else {
            throw SessionError(.wrongIdentityKey, "the responder names another initiator")
        }
        let common = configuration.supportedModes.intersection(payload.supportedModes)
        guard let strongest = common.strongest, strongest == after.selectedMode else {
            throw SessionError(
                .modeDowngrade, "selected \(after.selectedMode), strongest common is \(common.strongest?.description ?? "none")")
        }
        guard Int(payload.maxMessageSize) >= SessionLimits.minimumMaxMessageSize else {
            throw SessionError(.maxMessageSizeBelowFloor, "responder agreed \(payload.maxMessageSize)")
        }
        guard Int(payload.maxMessageSize) <= configuration.maxMessageSize else {
            throw SessionError(
                .maxMessageSizeMismatch, "responder agreed \(payload.maxMessageSize), we proposed \(configuration.maxMessageSize)")
        }
        // The finished MAC first (cheap; a diverging transcript shows as tampering), then the signature.
        var finished = after.transcript
        finished.update(payload.prefix)
        finished.update(payload.signature)
        let expectedFinished = after.secrets.finished(.responder, transcriptHash: finished.finalize())
        guard constantTimeEquals(expectedFinished, payload.finished) else {
            throw SessionError(.tamperedMessage, "the responder's finished MAC does not verify")
        }
        var signed = after.transcript
        signed.update(payload.prefix)
        do {
            try configuration.responderIdentity.verify(
                signature: payload.signature, for: KeySchedule.responderSignatureContext + signed.finalize())
        } catch {
            throw SessionError(.wrongIdentityKey, "the responder's signature does not verify")
        }

        var transcript = after.transcript
        transcript.update(plaintext)
        let transcriptHash = transcript.finalize()
        let parameters = SessionParameters(
            sessionID: hello.sessionID, role: .initiator, mode: after.selectedMode,
            maxMessageSize: Int(payload.maxMessageSize), groupID: configuration.groupID,
            initiatorKeyHash: ownKeyHash, responderKeyHash: responderKeyHash)
        state = .established(
            after,
            Established(
                responderHandshakeEncoded: encoded, responderPayloadEncoded: plaintext, parameters: parameters,
                dataSecrets: DataSecrets(sharedSecret: after.sharedSecret, transcriptHash: transcriptHash),
                transcriptHash: transcriptHash))
    }

    /// Whether the handshake finished.
    public var isEstablished: Bool {
        if case .established = state { return true }
        return false
    }

    /// What both sides agreed, once established.
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
    /// as far as the handshake got. After each delivered message both sides agree on their common prefix.
    @_spi(Testing) public var transcriptHashes: [[UInt8]] {
        switch state {
        case .awaitingResponderHello:
            return prefixHashes([helloEncoded])
        case .awaitingResponderHandshake(let after):
            return prefixHashes([helloEncoded, after.responderHelloEncoded, after.payloadEncoded])
        case .established(let after, let established):
            return prefixHashes([
                helloEncoded, after.responderHelloEncoded, after.payloadEncoded, established.responderPayloadEncoded,
            ])
        }
    }

    /// The handshake secrets in the order of `docs/session-protocol.md` §4, once derived.
    @_spi(Testing) public var handshakeKeyMaterial: [SecretBytes] {
        switch state {
        case .awaitingResponderHello: return []
        case .awaitingResponderHandshake(let after), .established(let after, _): return after.secrets.all
        }
    }

    /// The data secrets (i key, r key, i iv, r iv), once established.
    @_spi(Testing) public var dataKeyMaterial: [SecretBytes] {
        if case .established(_, let established) = state { return established.dataSecrets.all }
        return []
    }
}
