import P2PIdentity
import P2PWire
import Testing

@testable import P2PLinkManager
import P2PTestSupport

/// Long seeded sequences of random inputs to the tracker and the session pools of two pairs, driven
/// the way the I/O driver will drive them, with the invariants checked after every step.
@Suite("Randomized invariants")
struct RandomizedInvariantTests {
    typealias Key = DeliveryTracker.Key

    static let algorithms: [ReplayCalculator.Algorithm] = [
        .constant(periodMillis: 300), .exponentialBackoff(baseMillis: 200, cutoffMillis: 1_600),
    ]

    @Test(arguments: [1, 2, 3], algorithms)
    func trackerAndPoolsKeepTheirInvariants(seed: UInt64, algorithm: ReplayCalculator.Algorithm) throws {
        var random = SplitMix64(seed: seed)
        let replayingPerPair = 4
        var tracker = Fixture.tracker(algorithm, replayingPerPair: replayingPerPair, maximumTracked: 60, maximumReplaysWithoutTTL: 50)
        let base = tracker.configuration.replay.firstDelay
        let peers = [Fixture.bob, Fixture.carol]
        var pools = Dictionary(uniqueKeysWithValues: peers.map {
            ($0, OutboundSessionPool(counterparties: Counterparties(ours: Fixture.alice, peer: $0), configuration: Fixture.poolConfiguration()))
        })
        var now: UInt64 = 1_000
        var nextMessage = 0
        var nextSession: UInt64 = 1
        var messages: [Key: AuthenticatedMessage] = [:]
        var sentAt: [Key: UInt64] = [:]
        var replayCount: [Key: Int] = [:]
        var statuses: [Key: DeliveryStatus.Status] = [:]
        var inFlight: [Key] = []  // sent over a session; may be acked
        var opening: [(peer: HoldingIdentity, slot: Int)] = []

        func handle(_ actions: [OutboundSessionPool.Action], peer: HoldingIdentity) {
            for action in actions {
                switch action {
                case .openSession(let slot), .replaceSession(let slot, _): opening.append((peer, slot))
                case .send(let id, _): inFlight.append(Key(source: Fixture.alice, messageID: id))
                case .sendHeartbeat, .resendHandshake, .tombstone: break
                }
            }
        }
        func submit(_ message: AuthenticatedMessage) {
            let peer = message.header.destination
            do {
                let actions = try pools[peer]!.submit(
                    .init(messageID: message.header.messageID, byteCount: message.payload.count), now: now, random: &random)
                handle(actions, peer: peer)
            } catch {
                #expect(error.code == .queueFull)  // back-pressure: the tracker replays it later
            }
        }
        func handle(_ actions: [DeliveryTracker.Action]) {
            for action in actions {
                switch action {
                case .replay(let message, _):
                    let key = Key(source: message.header.source, messageID: message.header.messageID)
                    #expect(!message.header.isExpired(now: now), "replayed at or after its TTL")
                    #expect(statuses[key] == nil, "replayed after its final status")
                    replayCount[key, default: 0] += 1
                    submit(message)
                case .cancel(let key):
                    pools[messages[key]!.header.destination]!.discard(key.messageID)
                case .deliveryStatus(let status):
                    let key = Key(source: status.source, messageID: status.messageID)
                    #expect(statuses[key] == nil, "two statuses for \(key)")
                    statuses[key] = status.status
                case .writeMarker: break
                }
            }
        }

        for _ in 0..<2_000 {
            switch Int.random(in: 0..<100, using: &random) {
            case 0..<30:  // a new message from p2p.out
                nextMessage += 1
                let peer = peers.randomElement(using: &random)!
                let ttl: UInt64? = Bool.random(using: &random) ? nil : now + UInt64.random(in: 0...5_000, using: &random)
                let message = Fixture.message(nextMessage, to: peer, ttl: ttl, payload: Array(repeating: 1, count: Int.random(in: 0...200, using: &random)))
                let key = Key(source: Fixture.alice, messageID: message.header.messageID)
                do {
                    let actions = try tracker.track(message, key: [], now: now)
                    messages[key] = message
                    sentAt[key] = now
                    handle(actions)
                    if statuses[key] == nil { submit(message) }
                } catch {
                    #expect(error.code == .tooManyTrackedMessages)
                }
            case 30..<45:  // an ack arrives for something sent
                guard !inFlight.isEmpty else { break }
                let key = inFlight.remove(at: Int.random(in: 0..<inFlight.count, using: &random))
                handle(tracker.acknowledged(key, now: now))
            case 45..<55:  // the driver finishes opening a session (or fails to)
                guard !opening.isEmpty else { break }
                let (peer, slot) = opening.removeFirst()
                if Int.random(in: 0..<5, using: &random) == 0 {
                    try pools[peer]!.sessionOpenFailed(slot: slot, now: now)
                } else {
                    try pools[peer]!.sessionOpened(slot: slot, sessionID: SessionID(high: 0, low: nextSession), now: now)
                    nextSession += 1
                }
            case 55..<70:  // a handshake completes, or a session shows signs of life
                let peer = peers.randomElement(using: &random)!
                for state in pools[peer]!.slotStates {
                    guard let id = state.sessionID, Bool.random(using: &random) else { continue }
                    if case .pending = state {
                        handle(pools[peer]!.sessionEstablished(id, now: now, random: &random), peer: peer)
                    } else {
                        pools[peer]!.acknowledged(id, now: now)
                    }
                }
            default:  // time passes; timers fire
                now += Int.random(in: 0..<4, using: &random) == 0
                    ? UInt64.random(in: 0...12_000, using: &random) : UInt64.random(in: 0...400, using: &random)
                handle(tracker.tick(now: now))
                for peer in peers { handle(pools[peer]!.tick(now: now), peer: peer) }
            }

            // Invariants.
            var trackedInSets = 0
            for peer in peers {
                let pair = Counterparties(ours: Fixture.alice, peer: peer)
                let replaying = tracker.replaying(for: pair)
                let waiting = tracker.waiting(for: pair)
                #expect(replaying.count <= replayingPerPair)
                #expect(Set(waiting).count == waiting.count, "a message twice in the FIFO")
                #expect(replaying.isDisjoint(with: waiting), "a message both replaying and waiting")
                #expect(!waiting.isEmpty ? replaying.count == replayingPerPair : true)
                for key in replaying { if case .replaying = tracker.place(of: key) {} else { Issue.record("\(key) misplaced") } }
                for key in waiting { #expect(tracker.place(of: key) == .waiting) }
                trackedInSets += replaying.count + waiting.count

                let pool = pools[peer]!
                let c = pool.configuration
                #expect(pool.queuedMessages.count <= c.maximumQueuedMessages && pool.queuedBytes <= c.maximumQueuedBytes)
                #expect(pool.queuedMessages.isEmpty || pool.activeSessionIDs.isEmpty, "messages queued beside an active session")
                #expect(Set(pool.queuedMessages.map(\.messageID)).count == pool.queuedMessages.count)
                for queued in pool.queuedMessages {
                    #expect(tracker.place(of: Key(source: Fixture.alice, messageID: queued.messageID)) != nil, "an untracked message queued")
                }
            }
            #expect(trackedInSets == tracker.trackedCount)
            #expect(tracker.trackedCount <= 60)
            #expect(tracker.scheduledItemCount <= 2 * (2 * tracker.trackedCount + 64))
            for (key, count) in replayCount {
                guard let ttl = messages[key]?.header.ttl, let sent = sentAt[key] else { continue }
                #expect(UInt64(count) <= (ttl - sent + base - 1) / base, "\(count) replays for \(key) within \(ttl - sent) ms")
            }
        }

        // Long after: every message has exactly one final status and nothing is left (messages
        // without TTL end at the replay limit: at most 60 × 50 ticks).
        for _ in 0..<5_000 {
            guard let due = tracker.nextDeadline else { break }
            now = max(now, due)
            handle(tracker.tick(now: now))
        }
        #expect(tracker.trackedCount == 0)
        #expect(statuses.count == messages.count)
    }

    @Test func inboundTableBoundsUnderRandomHellos() throws {
        var random = SplitMix64(seed: 31)
        var table = InboundSessionTable(
            configuration: try .init(idleExpiryMillis: 5_000, handshakeTimeoutMillis: 1_000, maximumSessionsPerPeer: 4, maximumSessions: 10))
        let peers = [Fixture.alice, Fixture.bob, Fixture.carol]
        var now: UInt64 = 0
        for step in 0..<5_000 {
            now += UInt64.random(in: 0...50, using: &random)
            let id = SessionID(high: 0, low: UInt64.random(in: 0..<40, using: &random))
            switch Int.random(in: 0..<4, using: &random) {
            case 0: _ = try? table.helloReceived(id, peer: peers.randomElement(using: &random)!, now: now)
            case 1: try? table.established(id, local: Fixture.bob, now: now)
            case 2: table.touch(id, now: now)
            default: for expired in table.expire(now: now) { #expect(table[expired] == nil) }
            }
            #expect(table.count <= 10, "step \(step)")
            for peer in peers { #expect(table.sessionCount(of: peer) <= 4) }
        }
    }
}
