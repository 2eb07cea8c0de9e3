import P2PCrypto
@_spi(Testing) @testable import P2PSession
import Testing

/// One test (at least) per `SessionError` code, asserting the code.
@Suite("Session errors")
struct SessionErrorTests {
    /// Runs the first two messages and returns what a forger needs.
    private func firstTwo(
        _ initiator: inout SessionInitiator, _ responder: inout SessionResponder
    ) throws -> (rh: ResponderHello, ihs: InitiatorHandshake, forge: Forge) {
        let rh = try responder.receive(initiator.hello)
        let ihs = try initiator.receive(rh)
        return (rh, ihs, Forge(initiatorHello: initiator.hello, responderHello: rh, material: initiator.handshakeKeyMaterial))
    }

    // 320
    @Test func tamperedSealedHandshakeOrFinishedMAC() throws {
        var initiator = try makeInitiator()
        var responder = try makeResponder()
        let (_, ihs, forge) = try firstTwo(&initiator, &responder)
        for index in [0, ihs.sealed.count / 2, ihs.sealed.count - 1] {
            var sealed = ihs.sealed
            sealed[index] ^= 0x01
            expectCode(.tamperedMessage) { _ = try responder.receive(InitiatorHandshake(sealed: sealed), lookup: Directory()) }
        }
        // A valid signature with a wrong finished MAC.
        let badFinished = forge.initiatorHandshake(from: ihs, signer: nil) { _ in }
        var payload = try InitiatorHandshakePayload(encoded: forge.open(badFinished))
        payload.finished[0] ^= 1
        let resealed = ChaCha20Poly1305.seal(
            payload.encoded, associatedData: [0x03, 0x01] + initiator.hello.sessionID,
            nonce: initiator.handshakeKeyMaterial[2].withUnsafeBytes { try! AEADNonce(bytes: $0) },
            key: try ChaCha20Poly1305.Key(initiator.handshakeKeyMaterial[0]))
        expectCode(.tamperedMessage) { _ = try responder.receive(InitiatorHandshake(sealed: resealed), lookup: Directory()) }
        // A ResponderHello changed in transit makes the transcripts differ: the responder sees tampering.
        var initiator2 = try makeInitiator(seed: 9)
        var responder2 = try makeResponder(seed: 10)
        let rh = try responder2.receive(initiator2.hello)
        let downgraded = try ResponderHello(ephemeralKey: rh.ephemeralKey, selectedMode: .authenticationOnly)
        let ihs2 = try initiator2.receive(downgraded)
        expectCode(.tamperedMessage) { _ = try responder2.receive(ihs2, lookup: Directory()) }
    }

    // 321
    @Test func wrongIdentityKey() throws {
        var initiator = try makeInitiator()
        var responder = try makeResponder()
        let (_, ihs, forge) = try firstTwo(&initiator, &responder)
        // The initiator's payload is signed by C although it claims A.
        let impostor = forge.initiatorHandshake(from: ihs, signer: Keys.c) { _ in }
        expectCode(.wrongIdentityKey) { _ = try responder.receive(impostor, lookup: Directory()) }
        // The member registry holds another key for A's hash (a stale or substituted key).
        var stale = Directory()
        stale.memberOverride = Keys.c.verifyingKey
        expectCode(.wrongIdentityKey) { _ = try responder.receive(ihs, lookup: stale) }
        // The hosted-identity lookup returns a key that is not the addressed one.
        var misrouted = Directory()
        misrouted.hostedOverride = Keys.c
        expectCode(.wrongIdentityKey) { _ = try responder.receive(ihs, lookup: misrouted) }
        // The responder's payload is signed by C although it claims B.
        expectCode(.wrongIdentityKey) { try initiator.receive(forge.responderHandshake(after: ihs, signer: Keys.c)) }
        // The responder answers for C while the initiator addressed B.
        expectCode(.wrongIdentityKey) {
            try initiator.receive(
                forge.responderHandshake(
                    after: ihs, signer: Keys.c, responderKeyHash: sessionKeyHash(Keys.c.verifyingKey)))
        }
    }

    // 322
    @Test func unknownResponderKeyHash() throws {
        var initiator = try makeInitiator(initiatorConfiguration(responder: Keys.c.verifyingKey))
        var responder = try makeResponder()
        let (_, ihs, _) = try firstTwo(&initiator, &responder)
        expectCode(.unknownResponderKeyHash) { _ = try responder.receive(ihs, lookup: Directory()) }
    }

    // 323
    @Test func wrongGroup() throws {
        // B is hosted, but only in another group.
        var initiator = try makeInitiator()
        var responder = try makeResponder()
        let (_, ihs, _) = try firstTwo(&initiator, &responder)
        var otherGroup = Directory()
        otherGroup.hosted = [(Keys.b, ["group-2"])]
        expectCode(.wrongGroup) { _ = try responder.receive(ihs, lookup: otherGroup) }
        // The group id in the InitiatorHello was changed in transit.
        var initiator2 = try makeInitiator(seed: 3)
        var responder2 = try makeResponder(seed: 4)
        let hello = initiator2.hello
        let moved = try InitiatorHello(
            sessionID: hello.sessionID, ephemeralKey: hello.ephemeralKey, supportedModes: hello.supportedModes,
            initiatorKeyHash: hello.initiatorKeyHash, groupID: "group-2")
        let rh = try responder2.receive(moved)
        let ihs2 = try initiator2.receive(rh)
        expectCode(.wrongGroup) { _ = try responder2.receive(ihs2, lookup: Directory()) }
    }

    // 324
    @Test func modeDowngradeOfTheOfferIsDetectedByTheResponder() throws {
        var initiator = try makeInitiator()
        var responder = try makeResponder()
        let hello = initiator.hello
        let stripped = try InitiatorHello(
            sessionID: hello.sessionID, ephemeralKey: hello.ephemeralKey, supportedModes: .authenticationOnly,
            initiatorKeyHash: hello.initiatorKeyHash, groupID: hello.groupID)
        let rh = try responder.receive(stripped)
        #expect(rh.selectedMode == .authenticationOnly)
        let ihs = try initiator.receive(rh)  // AUTHENTICATION_ONLY is one of the initiator's modes
        expectCode(.modeDowngrade) { _ = try responder.receive(ihs, lookup: Directory()) }
    }

    @Test func modeDowngradeBySelectionIsDetectedByTheInitiator() throws {
        // A responder that selects AUTHENTICATION_ONLY although it supports both.
        var initiator = try makeInitiator()
        var responder = try makeResponder(modes: .authenticationOnly)
        let (_, ihs, forge) = try firstTwo(&initiator, &responder)
        expectCode(.modeDowngrade) { try initiator.receive(forge.responderHandshake(after: ihs, supportedModes: .all)) }
        // The honest claim (only AUTHENTICATION_ONLY) completes.
        try initiator.receive(forge.responderHandshake(after: ihs, supportedModes: .authenticationOnly))
        #expect(initiator.parameters?.mode == .authenticationOnly)
    }

    // 328
    @Test func maxMessageSizeBelowFloor() throws {
        expectCode(.maxMessageSizeBelowFloor) {
            _ = try makeInitiator(initiatorConfiguration(maxMessageSize: SessionLimits.minimumMaxMessageSize - 1))
        }
        expectCode(.maxMessageSizeBelowFloor) { _ = try makeResponder(maxMessageSize: 4096) }
        var initiator = try makeInitiator()
        var responder = try makeResponder()
        let (_, ihs, forge) = try firstTwo(&initiator, &responder)
        let small = forge.initiatorHandshake(from: ihs) { $0.maxMessageSize = 9_999 }
        expectCode(.maxMessageSizeBelowFloor) { _ = try responder.receive(small, lookup: Directory()) }
        expectCode(.maxMessageSizeBelowFloor) { try initiator.receive(forge.responderHandshake(after: ihs, maxMessageSize: 9_999)) }
        // Exactly the floor is accepted.
        let floor = forge.initiatorHandshake(from: ihs) { $0.maxMessageSize = UInt32(SessionLimits.minimumMaxMessageSize) }
        _ = try responder.receive(floor, lookup: Directory())
        #expect(responder.parameters?.maxMessageSize == SessionLimits.minimumMaxMessageSize)
    }

    // 329
    @Test func unknownInitiatorKeyHash() throws {
        var initiator = try makeInitiator()
        var responder = try makeResponder()
        let (_, ihs, _) = try firstTwo(&initiator, &responder)
        var noMembers = Directory()
        noMembers.members = [:]
        expectCode(.unknownInitiatorKeyHash) { _ = try responder.receive(ihs, lookup: noMembers) }
    }

    // 330
    @Test func noCommonMode() throws {
        let initiator = try makeInitiator(initiatorConfiguration(modes: .authenticatedEncryption))
        var responder = try makeResponder(modes: .authenticationOnly)
        expectCode(.noCommonMode) { _ = try responder.receive(initiator.hello) }
        var initiator2 = try makeInitiator(initiatorConfiguration(modes: .authenticatedEncryption))
        let unoffered = try ResponderHello(ephemeralKey: Keys.ephemeral, selectedMode: .authenticationOnly)
        expectCode(.noCommonMode) { _ = try initiator2.receive(unoffered) }
    }

    // 331
    @Test func malformedEncodings() throws {
        let initiator = try makeInitiator()
        let good = initiator.hello.encoded
        expectCode(.malformedMessage) { _ = try InitiatorHello(encoded: Array(good.dropLast())) }
        expectCode(.malformedMessage) { _ = try InitiatorHello(encoded: good + [0]) }
        expectCode(.malformedMessage) { _ = try InitiatorHello(encoded: [0x01, 0x02] + good.dropFirst(2)) }  // version 2
        expectCode(.malformedMessage) { _ = try InitiatorHello(encoded: [0x02] + good.dropFirst()) }  // wrong type
        var badModes = good
        badModes[2 + 16 + 32] = 0x04
        expectCode(.malformedMessage) { _ = try InitiatorHello(encoded: badModes) }
        var emptyModes = good
        emptyModes[2 + 16 + 32] = 0x00
        expectCode(.malformedMessage) { _ = try InitiatorHello(encoded: emptyModes) }
        expectCode(.malformedMessage) { _ = try ResponderHello(encoded: [0x02, 0x01] + Keys.ephemeral + [0x03]) }
        // A sealed handshake longer than the bound is refused before decryption.
        let huge = [UInt8](repeating: 0, count: SessionLimits.maximumSealedHandshakeByteCount + 1)
        expectCode(.malformedMessage) { _ = try InitiatorHandshake(sealed: huge) }
        expectCode(.malformedMessage) {
            _ = try ResponderHandshake(encoded: [0x04, 0x01, 0xff, 0xff, 0xff, 0xff])
        }
        expectCode(.malformedMessage) {
            _ = try InitiatorHello(
                sessionID: [1], ephemeralKey: Keys.ephemeral, supportedModes: .all,
                initiatorKeyHash: Keys.ephemeral, groupID: Keys.group)
        }
    }

    // 332
    @Test func unexpectedMessages() throws {
        var initiator = try makeInitiator()
        var responder = try makeResponder()
        var otherResponder = try makeResponder(seed: 7)
        let rh = try responder.receive(initiator.hello)
        let other = try otherResponder.receive(initiator.hello)
        let ihs = try initiator.receive(rh)
        expectCode(.unexpectedMessage) { _ = try initiator.receive(other) }
        var fresh = try makeResponder(seed: 8)
        expectCode(.unexpectedMessage) { _ = try fresh.receive(ihs, lookup: Directory()) }
        var freshInitiator = try makeInitiator(seed: 5)
        expectCode(.unexpectedMessage) { try freshInitiator.receive(ResponderHandshake(sealed: ihs.sealed)) }
        let secondInitiator = try makeInitiator(seed: 6)
        expectCode(.unexpectedMessage) { _ = try responder.receive(secondInitiator.hello) }
    }

    // 336
    @Test func invalidConfiguration() {
        expectCode(.invalidConfiguration) { _ = try makeInitiator(initiatorConfiguration(modes: [])) }
        expectCode(.invalidConfiguration) { _ = try makeResponder(modes: []) }
        expectCode(.invalidConfiguration) {
            _ = try makeInitiator(initiatorConfiguration(groupID: String(repeating: "g", count: 129)))
        }
        expectCode(.invalidConfiguration) { _ = try makeInitiator(initiatorConfiguration(groupID: "")) }
        expectCode(.invalidConfiguration) {
            _ = try makeResponder(maxMessageSize: SessionLimits.maximumMaxMessageSize + 1)
        }
    }

    // 337
    @Test func weakEphemeralKey() throws {
        var initiator = try makeInitiator()
        let zero = try ResponderHello(ephemeralKey: [UInt8](repeating: 0, count: 32), selectedMode: .authenticatedEncryption)
        expectCode(.weakEphemeralKey) { _ = try initiator.receive(zero) }
        var responder = try makeResponder()
        let hello = initiator.hello
        let weak = try InitiatorHello(
            sessionID: hello.sessionID, ephemeralKey: [UInt8](repeating: 0, count: 32),
            supportedModes: hello.supportedModes, initiatorKeyHash: hello.initiatorKeyHash, groupID: hello.groupID)
        expectCode(.weakEphemeralKey) { _ = try responder.receive(weak) }
    }

    // 338
    @Test func maxMessageSizeMismatch() throws {
        var initiator = try makeInitiator(initiatorConfiguration(maxMessageSize: 20_000))
        var responder = try makeResponder()
        let (_, ihs, forge) = try firstTwo(&initiator, &responder)
        expectCode(.maxMessageSizeMismatch) { try initiator.receive(forge.responderHandshake(after: ihs, maxMessageSize: 20_001)) }
    }

    // 339
    @Test func handshakeNotFinished() throws {
        let initiator = try makeInitiator()
        do {
            _ = try initiator.transportSession()
            Issue.record("a transport session from an unfinished handshake")
        } catch {
            #expect(error.code == .handshakeNotFinished)
        }
        let responder = try makeResponder()
        do {
            _ = try responder.transportSession()
            Issue.record("a transport session from an unfinished handshake")
        } catch {
            #expect(error.code == .handshakeNotFinished)
        }
    }

    @Test func codesAreStableAndDistinct() {
        let codes: [SessionError.Code] = [
            .tamperedMessage, .wrongIdentityKey, .unknownResponderKeyHash, .wrongGroup, .modeDowngrade,
            .replayedMessage, .sequenceNumberTooOld, .messageTooLarge, .maxMessageSizeBelowFloor,
            .unknownInitiatorKeyHash, .noCommonMode, .malformedMessage, .unexpectedMessage, .sequenceNumberNotNext,
            .sequenceNumbersExhausted, .outputBufferTooSmall, .invalidConfiguration, .weakEphemeralKey,
            .maxMessageSizeMismatch, .handshakeNotFinished,
        ]
        #expect(codes.map(\.rawValue) == Array(320...339))
        #expect(Set(codes.map(\.name)).count == codes.count)
        #expect(SessionError(.replayedMessage, "sequence number 9").description
            == "SessionError: replayed message (325): sequence number 9")
    }
}

extension Keys {
    /// A valid X25519 public key for messages built by hand.
    static let ephemeral = X25519.PrivateKey().publicKey.rawRepresentation
}
