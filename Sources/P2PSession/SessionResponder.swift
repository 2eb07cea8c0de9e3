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
    private var state: HandshakePhase<AfterHello, Established>

    /// After the InitiatorHello: what the hellos gave, and the ResponderHello sent in answer.
    private struct AfterHello: HelloStep {
        let initiatorHello: InitiatorHello
        let receivedEncoded: [UInt8]
        let answer: ResponderHello
        let keys: HelloKeys
        var transcriptPart: [[UInt8]] { [receivedEncoded, answer.encoded] }
    }

    /// After the InitiatorHandshake, and the ResponderHandshake sent in answer.
    private struct Established: FinalStep {
        let receivedEncoded: [UInt8]
        let initiatorPayloadEncoded: [UInt8]
        let responderPayloadEncoded: [UInt8]
        let answer: ResponderHandshake
        let session: EstablishedSession
        var transcriptPart: [[UInt8]] { [initiatorPayloadEncoded, responderPayloadEncoded] }
    }

    /// Creates the responder's ephemeral key from `random`.
    public init(configuration: ResponderConfiguration, random: inout some RandomSource) throws(SessionError) {
        try configuration.validate()
        self.configuration = configuration
        ephemeral = X25519.PrivateKey(using: &random)
        state = .awaitingHello
    }

    /// Takes the ``InitiatorHello`` and returns the ``ResponderHello`` with the strongest common mode.
    public mutating func receive(_ initiatorHello: InitiatorHello) throws(SessionError) -> ResponderHello {
        let encoded = initiatorHello.encoded
        if let answer = try state.repeatedHello(encoded, "InitiatorHello") { return answer }
        guard let mode = configuration.supportedModes.intersection(initiatorHello.supportedModes).strongest else {
            throw SessionError(.noCommonMode)
        }
        let message = try ResponderHello(ephemeralKey: ephemeral.publicKey.rawRepresentation, selectedMode: mode)
        let keys = try HelloKeys(
            .responder, ephemeral: ephemeral, initiatorHello: initiatorHello, initiatorHelloEncoded: encoded,
            responderHello: message, responderHelloEncoded: message.encoded)
        state = .awaitingHandshake(
            AfterHello(initiatorHello: initiatorHello, receivedEncoded: encoded, answer: message, keys: keys))
        return message
    }

    /// Takes the ``InitiatorHandshake``, finds the addressed local identity and the initiator's key through
    /// `lookup`, verifies everything, and returns the ``ResponderHandshake``; the handshake is then established.
    public mutating func receive(
        _ initiatorHandshake: InitiatorHandshake, lookup: some SessionKeyLookup
    ) throws(SessionError) -> ResponderHandshake {
        let encoded = initiatorHandshake.encoded
        let after: AfterHello
        switch try state.handshakeArrival(encoded, "InitiatorHandshake", after: "InitiatorHello") {
        case .repeated(let answer): return answer
        case .first(let hellos): after = hellos
        }
        let hello = after.initiatorHello
        let sessionID = hello.sessionID
        let secrets = after.keys.secrets

        let plaintext = try secrets.open(initiatorHandshake.sealed, from: .initiator, sessionID: sessionID)
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
        try payload.verify(transcript: after.keys.transcript, identity: peerKey, secrets: secrets)

        // Answer.
        let agreed = min(Int(payload.maxMessageSize), configuration.maxMessageSize)
        var transcript = after.keys.transcript
        transcript.update(plaintext)
        var response = ResponderHandshakePayload(
            responderKeyHash: payload.responderKeyHash, initiatorKeyHash: payload.initiatorKeyHash,
            supportedModes: configuration.supportedModes, maxMessageSize: UInt32(agreed))
        response.authenticate(transcript: transcript, identity: localIdentity, secrets: secrets)
        let responsePlaintext = response.encoded
        transcript.update(responsePlaintext)
        let message = try ResponderHandshake(
            sealed: secrets.seal(responsePlaintext, from: .responder, sessionID: sessionID))

        let parameters = SessionParameters(
            sessionID: sessionID, role: .responder, mode: after.answer.selectedMode, maxMessageSize: agreed,
            groupID: hello.groupID, initiatorKeyHash: payload.initiatorKeyHash,
            responderKeyHash: payload.responderKeyHash)
        state = .established(
            after,
            Established(
                receivedEncoded: encoded, initiatorPayloadEncoded: plaintext,
                responderPayloadEncoded: responsePlaintext, answer: message,
                session: EstablishedSession(
                    parameters: parameters, sharedSecret: after.keys.sharedSecret, transcript: transcript)))
        return message
    }

    /// Whether the handshake finished.
    public var isEstablished: Bool { state.isEstablished }

    /// What both sides agreed (including which local identity answered), once established.
    public var parameters: SessionParameters? { state.parameters }

    /// Consumes the finished handshake into the data-phase ``TransportSession``.
    public consuming func transportSession() throws(SessionError) -> TransportSession { try state.transportSession() }

    // MARK: Test visibility

    /// The transcript hashes this side knows: `H(IH)`, `H(IH ‖ RH)`, `H(IH ‖ RH ‖ IP)`, `H(IH ‖ RH ‖ IP ‖ RP)`,
    /// as far as the handshake got.
    @_spi(Testing) public var transcriptHashes: [[UInt8]] { state.transcriptHashes(opening: []) }

    /// The handshake secrets in the order of `docs/session-protocol.md` §4, once derived.
    @_spi(Testing) public var handshakeKeyMaterial: [SecretBytes] { state.handshakeKeyMaterial }

    /// The data secrets (i key, r key, i iv, r iv), once established.
    @_spi(Testing) public var dataKeyMaterial: [SecretBytes] { state.dataKeyMaterial }
}
