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
    private var state: HandshakePhase<AfterHandshake, Established>

    /// After the ResponderHello: what the hellos gave, and the InitiatorHandshake sent in answer.
    private struct AfterHandshake: HelloStep {
        let receivedEncoded: [UInt8]
        let selectedMode: ProtocolMode
        let keys: HelloKeys
        let answer: InitiatorHandshake
        let payloadEncoded: [UInt8]
        var transcriptPart: [[UInt8]] { [receivedEncoded, payloadEncoded] }
    }

    /// After the ResponderHandshake, which needs no answer.
    private struct Established: FinalStep {
        let receivedEncoded: [UInt8]
        let responderPayloadEncoded: [UInt8]
        let session: EstablishedSession
        var answer: Void { () }
        var transcriptPart: [[UInt8]] { [responderPayloadEncoded] }
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
        state = .awaitingHello
    }

    /// Takes the ``ResponderHello`` and returns the ``InitiatorHandshake`` to send.
    public mutating func receive(_ responderHello: ResponderHello) throws(SessionError) -> InitiatorHandshake {
        let encoded = responderHello.encoded
        if let answer = try state.repeatedHello(encoded, "ResponderHello") { return answer }
        guard configuration.supportedModes.contains(responderHello.selectedMode) else {
            throw SessionError(.noCommonMode, "the responder selected \(responderHello.selectedMode), not offered")
        }
        let keys = try HelloKeys(
            .initiator, ephemeral: ephemeral, initiatorHello: hello, initiatorHelloEncoded: helloEncoded,
            responderHello: responderHello, responderHelloEncoded: encoded)
        var payload = InitiatorHandshakePayload(
            responderKeyHash: responderKeyHash, initiatorKeyHash: ownKeyHash, groupID: configuration.groupID,
            supportedModes: configuration.supportedModes, maxMessageSize: UInt32(configuration.maxMessageSize))
        payload.authenticate(transcript: keys.transcript, identity: configuration.identity, secrets: keys.secrets)
        let plaintext = payload.encoded
        let message = try InitiatorHandshake(
            sealed: keys.secrets.seal(plaintext, from: .initiator, sessionID: hello.sessionID))
        state = .awaitingHandshake(
            AfterHandshake(
                receivedEncoded: encoded, selectedMode: responderHello.selectedMode, keys: keys, answer: message,
                payloadEncoded: plaintext))
        return message
    }

    /// Takes the ``ResponderHandshake``; on success the handshake is established.
    public mutating func receive(_ responderHandshake: ResponderHandshake) throws(SessionError) {
        let encoded = responderHandshake.encoded
        let after: AfterHandshake
        switch try state.handshakeArrival(encoded, "ResponderHandshake", after: "ResponderHello") {
        case .repeated: return
        case .first(let hellos): after = hellos
        }

        let plaintext = try after.keys.secrets.open(
            responderHandshake.sealed, from: .responder, sessionID: hello.sessionID)
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
        var transcript = after.keys.transcript
        transcript.update(after.payloadEncoded)
        try payload.verify(
            transcript: transcript, identity: configuration.responderIdentity, secrets: after.keys.secrets)

        transcript.update(plaintext)
        let parameters = SessionParameters(
            sessionID: hello.sessionID, role: .initiator, mode: after.selectedMode,
            maxMessageSize: Int(payload.maxMessageSize), groupID: configuration.groupID,
            initiatorKeyHash: ownKeyHash, responderKeyHash: responderKeyHash)
        state = .established(
            after,
            Established(
                receivedEncoded: encoded, responderPayloadEncoded: plaintext,
                session: EstablishedSession(
                    parameters: parameters, sharedSecret: after.keys.sharedSecret, transcript: transcript)))
    }

    /// Whether the handshake finished.
    public var isEstablished: Bool { state.isEstablished }

    /// What both sides agreed, once established.
    public var parameters: SessionParameters? { state.parameters }

    /// Consumes the finished handshake into the data-phase ``TransportSession``.
    public consuming func transportSession() throws(SessionError) -> TransportSession { try state.transportSession() }

    // MARK: Test visibility

    /// The transcript hashes this side knows: `H(IH)`, `H(IH ‖ RH)`, `H(IH ‖ RH ‖ IP)`, `H(IH ‖ RH ‖ IP ‖ RP)`,
    /// as far as the handshake got. After each delivered message both sides agree on their common prefix.
    @_spi(Testing) public var transcriptHashes: [[UInt8]] { state.transcriptHashes(opening: [helloEncoded]) }

    /// The handshake secrets in the order of `docs/session-protocol.md` §4, once derived.
    @_spi(Testing) public var handshakeKeyMaterial: [SecretBytes] { state.handshakeKeyMaterial }

    /// The data secrets (i key, r key, i iv, r iv), once established.
    @_spi(Testing) public var dataKeyMaterial: [SecretBytes] { state.dataKeyMaterial }
}
