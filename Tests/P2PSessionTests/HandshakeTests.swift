import P2PCrypto
@_spi(Testing) import P2PSession
import Testing

@Suite("Handshake, both ends back to back")
struct HandshakeTests {
    @Test(arguments: [
        (ProtocolModes.all, ProtocolModes.all, ProtocolMode.authenticatedEncryption),
        (ProtocolModes.all, ProtocolModes.authenticationOnly, ProtocolMode.authenticationOnly),
        (ProtocolModes.authenticationOnly, ProtocolModes.all, ProtocolMode.authenticationOnly),
        (ProtocolModes.authenticatedEncryption, ProtocolModes.all, ProtocolMode.authenticatedEncryption),
    ])
    func bothSidesAgreeAfterEveryMessage(
        initiatorModes: ProtocolModes, responderModes: ProtocolModes, expected: ProtocolMode
    ) throws {
        var initiator = try makeInitiator(initiatorConfiguration(modes: initiatorModes))
        var responder = try makeResponder(modes: responderModes)
        _ = try runHandshake(&initiator, &responder)
        let initiatorParameters = initiator.parameters
        let responderParameters = responder.parameters
        let i = try #require(initiatorParameters)
        let r = try #require(responderParameters)
        #expect(i.mode == expected && r.mode == expected)
        #expect(i.maxMessageSize == 32_768 && r.maxMessageSize == 32_768)  // min(65 536, 32 768)
        #expect(i.sessionID == r.sessionID && i.groupID == r.groupID)
        #expect(r.responderKeyHash == sessionKeyHash(Keys.b.verifyingKey))
        #expect(r.initiatorKeyHash == sessionKeyHash(Keys.a.verifyingKey))
        #expect(i.role == .initiator && r.role == .responder)
        #expect(initiator.transcriptHashes.count == 4)
        // Directions use different keys and IVs.
        let keys = initiator.dataKeyMaterial
        #expect(keys[0] != keys[1] && keys[2] != keys[3])
    }

    @Test func aFreshHandshakeWithSystemRandomnessAgreesToo() throws {
        var random = SystemRandomSource()
        var initiator = try SessionInitiator(configuration: initiatorConfiguration(), random: &random)
        var responder = try SessionResponder(configuration: ResponderConfiguration(), random: &random)
        _ = try runHandshake(&initiator, &responder)
        var a = try initiator.transportSession()
        var b = try responder.transportSession()
        let payload = Array("hello".utf8)
        var sealed = [UInt8](repeating: 0, count: TransportSession.sealedCount(payloadCount: payload.count))
        var opened = [UInt8](repeating: 0, count: payload.count)
        let header = [UInt8](repeating: 7, count: 40)
        _ = try seal(&a, 0, payload, header, &sealed)
        _ = try open(&b, 0, sealed, header, &opened)
        #expect(opened == payload)
    }

    @Test func retransmittedStepsReturnIdenticalMessages() throws {
        var initiator = try makeInitiator()
        var responder = try makeResponder()
        let m = try runHandshake(&initiator, &responder)
        #expect(initiator.hello == m.initiatorHello)
        #expect(try responder.receive(m.initiatorHello) == m.responderHello)
        #expect(try initiator.receive(m.responderHello) == m.initiatorHandshake)
        #expect(try responder.receive(m.initiatorHandshake, lookup: Directory()) == m.responderHandshake)
        try initiator.receive(m.responderHandshake)  // idempotent once established
        expectAgreement(initiator, responder, delivered: 4)
    }

    @Test func retransmissionBeforeTheNextStepAlsoRepeats() throws {
        var initiator = try makeInitiator()
        var responder = try makeResponder()
        let rh1 = try responder.receive(initiator.hello)
        let rh2 = try responder.receive(initiator.hello)
        #expect(rh1 == rh2 && rh1.encoded == rh2.encoded)
        let ihs1 = try initiator.receive(rh1)
        let ihs2 = try initiator.receive(rh2)
        #expect(ihs1.encoded == ihs2.encoded)
    }

    @Test func onceEstablishedADifferentMessageOfAnyStepIsUnexpected() throws {
        var initiator = try makeInitiator()
        var responder = try makeResponder()
        let m = try runHandshake(&initiator, &responder)
        var otherSealed = m.initiatorHandshake.sealed
        otherSealed[0] ^= 0x01
        let otherInitiatorHandshake = try InitiatorHandshake(sealed: otherSealed)
        let otherResponderHandshake = try ResponderHandshake(sealed: otherSealed)
        let otherInitiator = try makeInitiator(seed: 3)
        var otherResponder = try makeResponder(seed: 4)
        let otherResponderHello = try otherResponder.receive(otherInitiator.hello)
        expectCode(.unexpectedMessage) { _ = try responder.receive(otherInitiator.hello) }
        expectCode(.unexpectedMessage) { _ = try responder.receive(otherInitiatorHandshake, lookup: Directory()) }
        expectCode(.unexpectedMessage) { _ = try initiator.receive(otherResponderHello) }
        expectCode(.unexpectedMessage) { try initiator.receive(otherResponderHandshake) }
        #expect(initiator.isEstablished && responder.isEstablished)
        expectAgreement(initiator, responder, delivered: 4)
    }

    @Test func aFailedMessageLeavesTheStateUnchanged() throws {
        var initiator = try makeInitiator()
        var responder = try makeResponder()
        let rh = try responder.receive(initiator.hello)
        let ihs = try initiator.receive(rh)
        var forged = ihs.sealed
        forged[3] ^= 0x10
        expectCode(.tamperedMessage) { _ = try responder.receive(InitiatorHandshake(sealed: forged), lookup: Directory()) }
        // The genuine message still completes the handshake.
        let rhs = try responder.receive(ihs, lookup: Directory())
        try initiator.receive(rhs)
        expectAgreement(initiator, responder, delivered: 4)
    }

    @Test func multiTenantResponderAnswersAsTheAddressedIdentity() throws {
        // The responder hosts B and C; the initiator addresses C.
        var directory = Directory()
        directory.hosted.append((Keys.c, [Keys.group]))
        var initiator = try makeInitiator(initiatorConfiguration(responder: Keys.c.verifyingKey))
        var responder = try makeResponder()
        _ = try runHandshake(&initiator, &responder, lookup: directory)
        #expect(responder.parameters?.responderKeyHash == sessionKeyHash(Keys.c.verifyingKey))
    }

    @Test func messagesRoundTripThroughTheirCanonicalEncodings() throws {
        var initiator = try makeInitiator()
        var responder = try makeResponder()
        let m = try runHandshake(&initiator, &responder)
        #expect(try InitiatorHello(encoded: m.initiatorHello.encoded) == m.initiatorHello)
        #expect(try ResponderHello(encoded: m.responderHello.encoded) == m.responderHello)
        #expect(try InitiatorHandshake(encoded: m.initiatorHandshake.encoded) == m.initiatorHandshake)
        #expect(try ResponderHandshake(encoded: m.responderHandshake.encoded) == m.responderHandshake)
    }

    @Test func theHandshakeIsConsumedIntoTheTransport() throws {
        var initiator = try makeInitiator()
        var responder = try makeResponder()
        _ = try runHandshake(&initiator, &responder)
        let transport = try initiator.transportSession()  // `initiator` cannot be used after this line
        #expect(transport.parameters.role == .initiator)
        #expect(transport.nextSequenceNumber == 0)
    }
}

// MARK: Helpers over unsafe buffers

func seal(
    _ transport: inout TransportSession, _ sequenceNumber: UInt64, _ payload: [UInt8], _ header: [UInt8],
    _ output: inout [UInt8]
) throws(SessionError) -> Int {
    try withBuffers(payload, header, &output) { (p, h, o) throws(SessionError) in
        try transport.seal(sequenceNumber: sequenceNumber, payload: p, associatedData: h, into: o)
    }
}

func open(
    _ transport: inout TransportSession, _ sequenceNumber: UInt64, _ sealed: [UInt8], _ header: [UInt8],
    _ output: inout [UInt8]
) throws(SessionError) -> Int {
    try withBuffers(sealed, header, &output) { (s, h, o) throws(SessionError) in
        try transport.open(sequenceNumber: sequenceNumber, sealed: s, associatedData: h, into: o)
    }
}

/// Runs `body` on the unsafe buffers of `input`, `header` and `output`.
private func withBuffers(
    _ input: [UInt8], _ header: [UInt8], _ output: inout [UInt8],
    _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer, UnsafeMutableRawBufferPointer) throws(SessionError) -> Int
) throws(SessionError) -> Int {
    var result: Result<Int, SessionError> = .success(0)
    input.withUnsafeBytes { i in
        header.withUnsafeBytes { h in
            output.withUnsafeMutableBytes { o in
                result = Result { () throws(SessionError) -> Int in try body(i, h, o) }
            }
        }
    }
    return try result.get()
}
