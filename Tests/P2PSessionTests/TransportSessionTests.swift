@_spi(Testing) import P2PSession
import Testing

/// A 40-byte frame header as the frame codec will pass it: length, version, type, flags, session id,
/// sequence number, timestamp.
func frameHeader(sequenceNumber: UInt64, sessionID: [UInt8], length: UInt32 = 0, timestamp: UInt64 = 1_700_000_000_000) -> [UInt8] {
    var header: [UInt8] = []
    withUnsafeBytes(of: length.bigEndian) { header += $0 }
    header += [1, 5, 0, 0]
    header += sessionID
    withUnsafeBytes(of: sequenceNumber.bigEndian) { header += $0 }
    withUnsafeBytes(of: timestamp.bigEndian) { header += $0 }
    return header
}

/// Two transports from one completed handshake.
struct TransportPair: ~Copyable {
    /// The initiator's transport.
    var a: TransportSession
    /// The responder's transport.
    var b: TransportSession
}

func establishedPair(
    initiatorModes: ProtocolModes = .all, responderModes: ProtocolModes = .all
) throws -> TransportPair {
    var initiator = try makeInitiator(initiatorConfiguration(modes: initiatorModes))
    var responder = try makeResponder(modes: responderModes)
    _ = try runHandshake(&initiator, &responder)
    return TransportPair(a: try initiator.transportSession(), b: try responder.transportSession())
}

@Suite("Transport")
struct TransportSessionTests {
    static let modes: [ProtocolModes] = [.authenticatedEncryption, .authenticationOnly]

    @Test(arguments: modes)
    func messagesFlowBothWaysInOrderAndReordered(_ modes: ProtocolModes) throws {
        var p = try establishedPair(initiatorModes: modes)
        let sessionID = p.a.parameters.sessionID
        var sealedMessages: [[UInt8]] = []
        for n: UInt64 in 0..<8 {
            let payload = [UInt8](repeating: UInt8(n), count: 100 + Int(n))
            var sealed = [UInt8](repeating: 0, count: TransportSession.sealedCount(payloadCount: payload.count))
            #expect(try seal(&p.a, n, payload, frameHeader(sequenceNumber: n, sessionID: sessionID), &sealed) == sealed.count)
            if modes == .authenticatedEncryption { #expect(Array(sealed.prefix(payload.count)) != payload) }
            if modes == .authenticationOnly { #expect(Array(sealed.prefix(payload.count)) == payload) }
            sealedMessages.append(sealed)
        }
        // Delivered out of order (bounded reordering).
        for n in [3, 0, 1, 7, 2, 6, 5, 4] {
            var opened = [UInt8](repeating: 0, count: sealedMessages[n].count - 16)
            _ = try open(&p.b, UInt64(n), sealedMessages[n], frameHeader(sequenceNumber: UInt64(n), sessionID: sessionID), &opened)
            #expect(opened == [UInt8](repeating: UInt8(n), count: 100 + n))
        }
        // And back.
        var reply = [UInt8](repeating: 0, count: 16 + 3)
        _ = try seal(&p.b, 0, [1, 2, 3], frameHeader(sequenceNumber: 0, sessionID: sessionID), &reply)
        var opened = [UInt8](repeating: 0, count: 3)
        _ = try open(&p.a, 0, reply, frameHeader(sequenceNumber: 0, sessionID: sessionID), &opened)
        #expect(opened == [1, 2, 3])
    }

    @Test(arguments: modes)
    func tamperedHeaderCiphertextOrTagIsRejected(_ modes: ProtocolModes) throws {
        var p = try establishedPair(initiatorModes: modes)
        let header = frameHeader(sequenceNumber: 0, sessionID: p.a.parameters.sessionID)
        let payload = [UInt8](repeating: 0x5a, count: 64)
        var sealed = [UInt8](repeating: 0, count: 80)
        _ = try seal(&p.a, 0, payload, header, &sealed)
        var out = [UInt8](repeating: 0, count: 64)
        for index in [0, 6, 20, 39] {  // length, type, session id, timestamp
            var badHeader = header
            badHeader[index] ^= 0x01
            expectCode(.tamperedMessage) { _ = try open(&p.b, 0, sealed, badHeader, &out) }
        }
        for index in [0, 63, 64, 79] {  // payload/ciphertext start and end, tag start and end
            var bad = sealed
            bad[index] ^= 0x80
            expectCode(.tamperedMessage) { _ = try open(&p.b, 0, bad, header, &out) }
        }
        // The sequence number is authenticated even when the header is not changed.
        expectCode(.tamperedMessage) { _ = try open(&p.b, 1, sealed, header, &out) }
        // Nothing was recorded by the failures: the genuine message still opens.
        _ = try open(&p.b, 0, sealed, header, &out)
        #expect(out == payload)
    }

    @Test func aMessageFromTheOtherDirectionDoesNotOpen() throws {
        var p = try establishedPair()
        let header = frameHeader(sequenceNumber: 0, sessionID: p.a.parameters.sessionID)
        var sealed = [UInt8](repeating: 0, count: 20)
        _ = try seal(&p.a, 0, [1, 2, 3, 4], header, &sealed)
        var out = [UInt8](repeating: 0, count: 4)
        // The initiator cannot open its own message: directions have separate keys.
        expectCode(.tamperedMessage) { _ = try open(&p.a, 0, sealed, header, &out) }
        _ = try open(&p.b, 0, sealed, header, &out)
    }

    @Test(arguments: modes)
    func replayedAndTooOldMessagesAreRejected(_ modes: ProtocolModes) throws {
        var p = try establishedPair(initiatorModes: modes)
        let sessionID = p.a.parameters.sessionID
        var first: [UInt8] = []
        var out = [UInt8](repeating: 0, count: 8)
        let count = Int(ReplayWindow.windowSize) + 10
        for n in 0..<UInt64(count) {
            var sealed = [UInt8](repeating: 0, count: 24)
            _ = try seal(&p.a, n, [UInt8](repeating: 1, count: 8), frameHeader(sequenceNumber: n, sessionID: sessionID), &sealed)
            if n == 0 { first = sealed }
            if n == 0 || n == UInt64(count - 1) {
                _ = try open(&p.b, n, sealed, frameHeader(sequenceNumber: n, sessionID: sessionID), &out)
            }
            if n == UInt64(count - 1) {
                expectCode(.replayedMessage) {
                    _ = try open(&p.b, n, sealed, frameHeader(sequenceNumber: n, sessionID: sessionID), &out)
                }
            }
        }
        expectCode(.sequenceNumberTooOld) {
            _ = try open(&p.b, 0, first, frameHeader(sequenceNumber: 0, sessionID: sessionID), &out)
        }
    }

    @Test func messagesOverTheNegotiatedMaximumAreRejected() throws {
        var p = try establishedPair()
        let max = p.a.parameters.maxMessageSize
        #expect(max == 32_768)
        let header = frameHeader(sequenceNumber: 0, sessionID: p.a.parameters.sessionID)
        var sealed = [UInt8](repeating: 0, count: max + 17)
        expectCode(.messageTooLarge) { _ = try seal(&p.a, 0, [UInt8](repeating: 0, count: max + 1), header, &sealed) }
        let unchanged = p.a.nextSequenceNumber
        #expect(unchanged == 0)
        var out = [UInt8](repeating: 0, count: max + 1)
        expectCode(.messageTooLarge) { _ = try open(&p.b, 0, sealed, header, &out) }
        // Exactly the maximum is fine.
        _ = try seal(&p.a, 0, [UInt8](repeating: 0, count: max), header, &sealed)
        #expect(try open(&p.b, 0, Array(sealed.prefix(max + 16)), header, &out) == max)
    }

    @Test func sealRefusesAnyButTheNextSequenceNumber() throws {
        var p = try establishedPair()
        var sealed = [UInt8](repeating: 0, count: 20)
        let header = frameHeader(sequenceNumber: 1, sessionID: p.a.parameters.sessionID)
        expectCode(.sequenceNumberNotNext) { _ = try seal(&p.a, 1, [1, 2, 3, 4], header, &sealed) }
        _ = try seal(&p.a, 0, [1, 2, 3, 4], header, &sealed)
        expectCode(.sequenceNumberNotNext) { _ = try seal(&p.a, 0, [1, 2, 3, 4], header, &sealed) }
        let next = p.a.nextSequenceNumber
        #expect(next == 1)
    }

    @Test func outputBuffersTooSmallAreRefused() throws {
        var p = try establishedPair()
        let header = frameHeader(sequenceNumber: 0, sessionID: p.a.parameters.sessionID)
        var small = [UInt8](repeating: 0, count: 19)
        expectCode(.outputBufferTooSmall) { _ = try seal(&p.a, 0, [1, 2, 3, 4], header, &small) }
        var sealed = [UInt8](repeating: 0, count: 20)
        _ = try seal(&p.a, 0, [1, 2, 3, 4], header, &sealed)
        var out = [UInt8](repeating: 0, count: 3)
        expectCode(.outputBufferTooSmall) { _ = try open(&p.b, 0, sealed, header, &out) }
        expectCode(.tamperedMessage) { _ = try open(&p.b, 0, Array(sealed.prefix(15)), header, &out) }
    }

    @Test func rekeyIsReportedAsAValueBeforeTheLimits() throws {
        var p = try establishedPair()
        #expect(!(p.a.rekeyNeeded as Bool))
        p.a.advanceForTesting(nextSequenceNumber: TransportLimits.rekeyAfterMessages - 1)
        #expect(!(p.a.rekeyNeeded as Bool))
        var sealed = [UInt8](repeating: 0, count: 17)
        let n = TransportLimits.rekeyAfterMessages - 1
        _ = try seal(&p.a, n, [9], frameHeader(sequenceNumber: n, sessionID: p.a.parameters.sessionID), &sealed)
        #expect((p.a.rekeyNeeded as Bool))
        var out = [UInt8](repeating: 0, count: 1)
        _ = try open(&p.b, n, sealed, frameHeader(sequenceNumber: n, sessionID: p.a.parameters.sessionID), &out)
        #expect(out == [9])

        var q = try establishedPair()
        q.a.advanceForTesting(nextSequenceNumber: 5, bytesSent: TransportLimits.rekeyAfterBytes)
        #expect((q.a.rekeyNeeded as Bool))
    }

    @Test func sequenceNumbersRunOutWithAnErrorNotACrash() throws {
        var p = try establishedPair()
        let last = TransportLimits.rejectAfterMessages
        p.a.advanceForTesting(nextSequenceNumber: last)
        var sealed = [UInt8](repeating: 0, count: 17)
        let header = frameHeader(sequenceNumber: last, sessionID: p.a.parameters.sessionID)
        expectCode(.sequenceNumbersExhausted) { _ = try seal(&p.a, last, [1], header, &sealed) }
        var out = [UInt8](repeating: 0, count: 1)
        expectCode(.sequenceNumbersExhausted) { _ = try open(&p.b, last, sealed, header, &out) }
    }

    @Test(arguments: modes)
    func sealingInPlaceWorks(_ modes: ProtocolModes) throws {
        var p = try establishedPair(initiatorModes: modes)
        let header = frameHeader(sequenceNumber: 0, sessionID: p.a.parameters.sessionID)
        let payload = Array("in place".utf8)
        var buffer = payload + [UInt8](repeating: 0, count: 16)
        let count = payload.count
        try buffer.withUnsafeMutableBytes { raw in
            try header.withUnsafeBytes { h in
                _ = try p.a.seal(
                    sequenceNumber: 0, payload: UnsafeRawBufferPointer(rebasing: raw[0..<count]), associatedData: h,
                    into: raw)
                _ = try p.b.open(sequenceNumber: 0, sealed: UnsafeRawBufferPointer(raw), associatedData: h, into: raw)
            }
        }
        #expect(Array(buffer.prefix(count)) == payload)
    }
}
