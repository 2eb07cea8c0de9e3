import NIOCore
import P2PCrypto
import P2PIdentity
import P2PSession
import P2PWire
import Testing

@testable import P2PLinkManager
@testable import P2PLinkManagerService
import P2PTestSupport

/// Randomness for the handshakes: a seeded SplitMix64 stream, so every run repeats.
struct SeededRandomSource: RandomSource {
    var generator: SplitMix64
    init(seed: UInt64) { generator = SplitMix64(seed: seed) }
    mutating func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        for index in buffer.indices { buffer[index] = UInt8(truncatingIfNeeded: generator.next()) }
    }
}

enum SessionKeys {
    static func key(_ byte: UInt8) -> Ed25519.SigningKey {
        try! Ed25519.SigningKey(seed: SecretBytes(copying: [UInt8](repeating: byte, count: 32)))
    }
    static let alice = key(0xA1)
    static let bob = key(0xB2)
}

/// Bob's link manager hosts Bob; Alice is a member of the group.
struct BobDirectory: SessionKeyLookup {
    func localIdentity(keyHash: [UInt8], groupID: String) -> LocalIdentityLookupResult {
        sessionKeyHash(SessionKeys.bob.verifyingKey) == keyHash ? .found(SessionKeys.bob) : .unknownKeyHash
    }
    func peerIdentity(keyHash: [UInt8], groupID: String) -> Ed25519.VerifyingKey? {
        sessionKeyHash(SessionKeys.alice.verifyingKey) == keyHash ? SessionKeys.alice.verifyingKey : nil
    }
}

/// Seals `payload` on `transport` into an encoded frame of `type` (Data, Ack or Heartbeat), through the
/// link manager service's own `FrameSealing`.
func sealFrame(
    _ transport: inout TransportSession, type: LinkFrameType, sessionID: SessionID, payload: [UInt8], expiry: UInt64 = 0,
    now: UInt64
) throws -> ByteBuffer {
    let buffer = try FrameSealing.seal(&transport, type: type, sessionID: sessionID, payload: payload, expiry: expiry, now: now)
    var copy = buffer
    let frame = try #require(try LinkFrame.decode(from: &copy))
    switch frame.body {
    case .data(_, let sealed), .ack(let sealed), .heartbeat(let sealed):
        #expect(sealed.readableBytes == TransportSession.sealedCount(payloadCount: payload.count))
    default:
        Issue.record("sealed into a \(frame.header.type) frame")
    }
    return buffer
}

/// Decodes one frame from `buffer` and opens its sealed payload on `transport` (`FrameSealing.open`).
func openFrame(_ transport: inout TransportSession, _ buffer: inout ByteBuffer) throws -> (LinkFrame, [UInt8]) {
    let frame = try #require(try LinkFrame.decode(from: &buffer))
    guard let plaintext = try FrameSealing.open(&transport, frame) else {
        throw LinkManagerError(.invalidValue, "not a sealed frame")
    }
    return (frame, plaintext)
}

/// One established session: its id and both ends' transport.
struct EstablishedLink: ~Copyable {
    let id: SessionID
    var alice: TransportSession
    var bob: TransportSession
}

@Suite("End to end over real sessions and frames")
struct EndToEndSessionTests {
    /// Runs the handshake for the pool's slot 0, driving the pool (Alice) and the inbound table (Bob).
    func establish(
        pool: inout OutboundSessionPool, inbound: inout InboundSessionTable, now: UInt64, seed: UInt64
    ) throws -> EstablishedLink {
        var randomA = SeededRandomSource(seed: seed)
        var randomB = SeededRandomSource(seed: seed + 1)
        var initiator = try SessionInitiator(
            configuration: InitiatorConfiguration(
                identity: SessionKeys.alice, responderIdentity: SessionKeys.bob.verifyingKey, groupID: Fixture.group.value,
                supportedModes: .all, maxMessageSize: 100_000),
            random: &randomA)
        let id = try #require(SessionID(bytes: initiator.hello.sessionID))
        try pool.sessionOpened(slot: 0, sessionID: id, now: now)
        var responder = try SessionResponder(configuration: ResponderConfiguration(), random: &randomB)
        #expect(try inbound.helloReceived(id, peer: Fixture.alice, now: now) == .accepted(evicted: nil))
        let responderHello = try responder.receive(initiator.hello)
        let known = pool.acknowledged(id, now: now + 1)
        #expect(known)
        let initiatorHandshake = try initiator.receive(responderHello)
        let responderHandshake = try responder.receive(initiatorHandshake, lookup: BobDirectory())
        try inbound.established(id, local: Fixture.bob, now: now + 2)
        try initiator.receive(responderHandshake)
        return EstablishedLink(id: id, alice: try initiator.transportSession(), bob: try responder.transportSession())
    }

    @Test func queuedMessagesFlowAndAcksCompleteDelivery() throws {
        var pool = OutboundSessionPool(counterparties: Fixture.pair, configuration: try SessionPoolConfiguration(sessionsPerPeer: 1))
        var tracker = Fixture.tracker()
        var inbound = InboundSessionTable(configuration: try .init())
        var dedup = InboundDeduplicator(configuration: try .init())
        var random = SplitMix64(seed: 21)
        let now: UInt64 = 1_700_000_000_000
        let messages = (1...3).map { Fixture.message($0, ttl: now + 60_000, payload: Array(repeating: UInt8($0), count: 500)) }
        var byID: [MessageID: AuthenticatedMessage] = [:]
        for m in messages {
            byID[m.header.messageID] = m
            _ = try tracker.track(m, key: Fixture.key(1), now: now)
            let actions = try pool.submit(.init(messageID: m.header.messageID, byteCount: m.payload.count), now: now, random: &random)
            #expect(actions == (m == messages[0] ? [.openSession(slot: 0)] : []))
        }
        var link = try establish(pool: &pool, inbound: &inbound, now: now, seed: 5)
        let id = link.id
        let sends = pool.sessionEstablished(id, now: now + 3, random: &random)
        #expect(sends.count == 3)

        var ackIDs: [MessageID] = []
        for case .send(let messageID, let over) in sends {
            #expect(over == id)
            let message = try #require(byID[messageID])
            let payload = SealedDataPayload(key: Fixture.key(1), message: message)
            var wire = try sealFrame(&link.alice, type: .data, sessionID: id, payload: try payload.encoded(), expiry: payload.expiry, now: now + 3)
            // Bob: open, bind the expiry, check the counterparties, de-duplicate.
            let (frame, plaintext) = try openFrame(&link.bob, &wire)
            let received = try SealedDataPayload(decoding: plaintext)
            try received.verify(frameExpiry: try #require(frame.expiry))
            #expect(received.message == message && received.key == Fixture.key(1))
            let pair = try inbound.validateData(frame.header.sessionID, source: message.header.source, destination: message.header.destination, now: now + 4)
            #expect(pair == Counterparties(ours: Fixture.bob, peer: Fixture.alice))
            #expect(dedup.admit(source: message.header.source, messageID: messageID, ttl: message.header.ttl, now: now + 4) == .deliver)
            // A replayed copy is not delivered again.
            #expect(dedup.admit(source: message.header.source, messageID: messageID, ttl: message.header.ttl, now: now + 5) == .duplicate)
            ackIDs.append(messageID)
        }
        // Bob acks all three in one Ack frame on the same session; Alice completes delivery.
        var ackWire = try sealFrame(&link.bob, type: .ack, sessionID: id, payload: try AckPayload(messageIDs: ackIDs).encoded(), now: now + 6)
        let (_, ackPlaintext) = try openFrame(&link.alice, &ackWire)
        let ack = try AckPayload(decoding: ackPlaintext)
        let known = pool.acknowledged(id, now: now + 7)
        #expect(known)
        var statuses: [DeliveryStatus] = []
        for messageID in ack.messageIDs {
            for case .deliveryStatus(let status) in tracker.acknowledged(.init(source: Fixture.alice, messageID: messageID), now: now + 7) {
                statuses.append(status)
            }
        }
        #expect(statuses.map(\.status) == [.delivered, .delivered, .delivered])
        #expect(tracker.trackedCount == 0 && tracker.tick(now: now + 100_000).isEmpty)
    }

    @Test func aChangedExpiryFieldIsCaughtInsideTheSealedPayload() throws {
        var pool = OutboundSessionPool(counterparties: Fixture.pair, configuration: try SessionPoolConfiguration(sessionsPerPeer: 1))
        var inbound = InboundSessionTable(configuration: try .init())
        var random = SplitMix64(seed: 22)
        _ = try pool.submit(.init(messageID: Fixture.id(1), byteCount: 3), now: 0, random: &random)
        var link = try establish(pool: &pool, inbound: &inbound, now: 0, seed: 9)
        let id = link.id
        let message = Fixture.message(1, ttl: 5_000)
        let payload = SealedDataPayload(key: [], message: message)
        var wire = try sealFrame(&link.alice, type: .data, sessionID: id, payload: try payload.encoded(), expiry: 5_000, now: 1)
        // An on-path attacker extends the expiry field (bytes 40–47): the AEAD does not cover it…
        wire.setInteger(UInt64(9_999_999), at: wire.readerIndex + 40)
        let (frame, plaintext) = try openFrame(&link.bob, &wire)
        #expect(frame.expiry == 9_999_999)
        // …but the sealed copy does.
        expectCode(.expiryMismatch) { try SealedDataPayload(decoding: plaintext).verify(frameExpiry: frame.expiry!) }
    }

    @Test func heartbeatsRoundTripAndKeepTheSessionAlive() throws {
        var pool = OutboundSessionPool(counterparties: Fixture.pair, configuration: try SessionPoolConfiguration(sessionsPerPeer: 1))
        var inbound = InboundSessionTable(configuration: try .init(idleExpiryMillis: 5_000))
        var random = SplitMix64(seed: 23)
        _ = try pool.submit(.init(messageID: Fixture.id(1), byteCount: 3), now: 0, random: &random)
        var link = try establish(pool: &pool, inbound: &inbound, now: 0, seed: 13)
        let id = link.id
        _ = pool.sessionEstablished(id, now: 3, random: &random)
        var sequence: UInt64 = 0
        var now: UInt64 = 3
        for _ in 0..<10 {
            now += 2_000
            let actions = pool.tick(now: now)
            #expect(actions == [.sendHeartbeat(id)])
            sequence += 1
            var wire = try sealFrame(&link.alice, type: .heartbeat, sessionID: id, payload: HeartbeatPayload(sequence: sequence, sentAt: now).encoded(), now: now)
            let (_, plaintext) = try openFrame(&link.bob, &wire)
            let heartbeat = try HeartbeatPayload(decoding: plaintext)
            inbound.touch(id, now: now + 1)
            var ackWire = try sealFrame(&link.bob, type: .ack, sessionID: id, payload: try AckPayload(messageIDs: [], heartbeat: heartbeat.sequence).encoded(), now: now + 1)
            let (_, ackPlaintext) = try openFrame(&link.alice, &ackWire)
            #expect(try AckPayload(decoding: ackPlaintext).heartbeat == sequence)
            pool.acknowledged(id, now: now + 2)
        }
        // 20 s with no data: neither side dropped the session.
        #expect(pool.activeSessionIDs == [id])
        #expect(inbound.expire(now: now + 2) == [])
    }

    /// Bob loses the session after delivering a message whose ack is lost. Alice's heartbeats go
    /// unanswered, the session times out and is replaced, the tracker's replay flows over the new
    /// session, and Bob's de-duplicator keeps `p2p.in` at one copy while acknowledging again.
    @Test func lostSessionIsReplacedAndTheReplayIsDeduplicated() throws {
        var pool = OutboundSessionPool(counterparties: Fixture.pair, configuration: try SessionPoolConfiguration(sessionsPerPeer: 1))
        var tracker = Fixture.tracker(.constant(periodMillis: 3_000))
        var inbound = InboundSessionTable(configuration: try .init())
        var dedup = InboundDeduplicator(configuration: try .init())
        var random = SplitMix64(seed: 24)
        var written: [MessageID] = []  // what reached Bob's p2p.in

        let message = Fixture.message(1, ttl: 60_000)
        _ = try tracker.track(message, key: [], now: 0)
        _ = try pool.submit(.init(messageID: Fixture.id(1), byteCount: 3), now: 0, random: &random)
        var first = try establish(pool: &pool, inbound: &inbound, now: 0, seed: 31)
        let firstID = first.id
        #expect(pool.sessionEstablished(firstID, now: 3, random: &random) == [.send(Fixture.id(1), over: firstID)])

        /// Bob's side of one Data frame: open, check, de-duplicate, deliver, and the Ack frame to send.
        func receive(_ wire: inout ByteBuffer, _ bob: inout TransportSession, now: UInt64) throws -> ByteBuffer {
            let (frame, plaintext) = try openFrame(&bob, &wire)
            let payload = try SealedDataPayload(decoding: plaintext)
            try payload.verify(frameExpiry: frame.expiry ?? 0)
            let header = payload.message.header
            _ = try inbound.validateData(frame.header.sessionID, source: header.source, destination: header.destination, now: now)
            if dedup.admit(source: header.source, messageID: header.messageID, ttl: header.ttl, now: now) == .deliver {
                written.append(header.messageID)
            }
            return try sealFrame(&bob, type: .ack, sessionID: frame.header.sessionID, payload: try AckPayload(messageIDs: [header.messageID]).encoded(), now: now)
        }

        let sealed = try SealedDataPayload(key: [], message: message).encoded()
        var wire = try sealFrame(&first.alice, type: .data, sessionID: firstID, payload: sealed, expiry: 60_000, now: 3)
        _ = try receive(&wire, &first.bob, now: 4)  // the ack is lost on the way back
        #expect(written == [Fixture.id(1)])

        // Bob loses the session: frames on it are refused from now on.
        inbound.remove(firstID)
        expectCode(.unknownSession) { try inbound.validateData(firstID, source: Fixture.alice, destination: Fixture.bob, now: 5) }

        // Time passes: replays go out over the dead session, heartbeats go unanswered, then it is replaced.
        var now: UInt64 = 3
        var replacedAt: UInt64?
        while replacedAt == nil, now < 20_000 {
            now = min(pool.nextDeadline ?? .max, tracker.nextDeadline ?? .max)
            for case .replay(let m, _) in tracker.tick(now: now) {
                _ = try pool.submit(.init(messageID: m.header.messageID, byteCount: m.payload.count), now: now, random: &random)
            }
            for action in pool.tick(now: now) {
                if case .replaceSession(0, let old) = action {
                    #expect(old == firstID)
                    replacedAt = now
                }
            }
        }
        #expect(replacedAt == 10_003)  // the last ack (the handshake) was at 3

        // The next replay queues behind the new handshake and is flushed when it completes.
        while pool.queuedMessages.isEmpty, let due = tracker.nextDeadline {
            for case .replay(let m, _) in tracker.tick(now: due) {
                #expect(try pool.submit(.init(messageID: m.header.messageID, byteCount: m.payload.count), now: due, random: &random) == [])
            }
            now = due
        }
        var second = try establish(pool: &pool, inbound: &inbound, now: now, seed: 41)
        let secondID = second.id
        #expect(secondID != firstID)
        #expect(pool.sessionEstablished(secondID, now: now + 3, random: &random) == [.send(Fixture.id(1), over: secondID)])
        var again = try sealFrame(&second.alice, type: .data, sessionID: secondID, payload: sealed, expiry: 60_000, now: now + 3)
        var ack = try receive(&again, &second.bob, now: now + 4)
        #expect(written == [Fixture.id(1)])  // the copy was acknowledged, not delivered again

        let (_, ackPlaintext) = try openFrame(&second.alice, &ack)
        var statuses: [DeliveryStatus.Status] = []
        for messageID in try AckPayload(decoding: ackPlaintext).messageIDs {
            for case .deliveryStatus(let status) in tracker.acknowledged(.init(source: Fixture.alice, messageID: messageID), now: now + 5) {
                statuses.append(status.status)
            }
        }
        #expect(statuses == [.delivered] && tracker.trackedCount == 0)
    }
}
