import P2PIdentity
import P2PWire
import Testing

@testable import P2PLinkManager
import P2PTestSupport

/// Live configuration changes applied to running state machines: what each keeps, what changes at once and what
/// applies from the next input.
@Suite("Live reconfiguration of the link manager's state machines")
struct ReconfigurationTests {
    typealias Pool = OutboundSessionPool
    static let s1 = SessionID(high: 1, low: 1)
    static let s2 = SessionID(high: 2, low: 2)
    static let s3 = SessionID(high: 3, low: 3)
    static let s4 = SessionID(high: 4, low: 4)

    func queued(_ n: Int) -> Pool.QueuedMessage { .init(messageID: Fixture.id(n), byteCount: 10) }

    /// A pool of `sessions` slots, every one opened; `established` of them active.
    func pool(sessions: Int, established: Int) throws -> Pool {
        var pool = Pool(counterparties: Fixture.pair, configuration: Fixture.poolConfiguration(sessions: sessions))
        var random = SplitMix64(seed: 7)
        _ = try pool.submit(queued(1), now: 0, random: &random)
        let ids = [Self.s1, Self.s2, Self.s3, Self.s4]
        for slot in 0..<sessions { try pool.sessionOpened(slot: slot, sessionID: ids[slot], now: 0) }
        for slot in 0..<established { _ = pool.sessionEstablished(ids[slot], now: 10, random: &random) }
        return pool
    }

    @Test("more sessions per peer: new slots open at once in a pool in use, existing sessions untouched")
    func poolGrows() throws {
        var pool = try pool(sessions: 2, established: 2)
        let actions = pool.reconfigure(Fixture.poolConfiguration(sessions: 4), now: 100)
        #expect(actions == [.openSession(slot: 2), .openSession(slot: 3)])
        #expect(Array(pool.slotStates.prefix(2)) == [.active(Self.s1), .active(Self.s2)])
        #expect(pool.configuration.sessionsPerPeer == 4)
        try pool.sessionOpened(slot: 2, sessionID: Self.s3, now: 100)

        // A pool never used opens nothing until its first message.
        var idle = Pool(counterparties: Fixture.pair, configuration: Fixture.poolConfiguration(sessions: 1))
        #expect(idle.reconfigure(Fixture.poolConfiguration(sessions: 3), now: 0) == [])
        #expect(idle.slotStates == Array(repeating: .idle(retryAt: nil), count: 3))
    }

    @Test("fewer sessions per peer: active sessions are kept first, the dropped slots' sessions tombstoned")
    func poolShrinks() throws {
        // Slots 0 and 2 active, 1 and 3 pending.
        var pool = try pool(sessions: 4, established: 0)
        var random = SplitMix64(seed: 8)
        _ = pool.sessionEstablished(Self.s1, now: 10, random: &random)
        _ = pool.sessionEstablished(Self.s3, now: 10, random: &random)
        let actions = pool.reconfigure(Fixture.poolConfiguration(sessions: 3), now: 20)
        #expect(actions == [.tombstone(Self.s4)])
        #expect(pool.slotStates == [.active(Self.s1), .pending(Self.s2), .active(Self.s3)])
        let toOne = pool.reconfigure(Fixture.poolConfiguration(sessions: 1), now: 30)
        #expect(Set(toOne) == [.tombstone(Self.s2), .tombstone(Self.s3)])
        #expect(pool.slotStates == [.active(Self.s1)])
        // The remaining session carries the traffic.
        #expect(try pool.submit(queued(5), now: 40, random: &random) == [.send(Fixture.id(5), over: Self.s1)])
        // The same size: nothing.
        #expect(pool.reconfigure(Fixture.poolConfiguration(sessions: 1), now: 50) == [])
    }

    @Test("new timeouts and heartbeat periods apply from the next tick")
    func poolTimersFollowTheNewSettings() throws {
        var pool = try pool(sessions: 1, established: 1)
        #expect(pool.nextDeadline == 2_010)  // heartbeat 2 s after the last send
        let slower = try SessionPoolConfiguration(
            sessionsPerPeer: 1, heartbeatPeriodMillis: 5_000, sessionTimeoutMillis: 20_000,
            handshakeResendPeriodMillis: 1_000, maximumQueuedMessages: 8, maximumQueuedBytes: 1_000)
        #expect(pool.reconfigure(slower, now: 100) == [])
        #expect(pool.nextDeadline == 5_010)
        #expect(pool.tick(now: 2_010) == [])
        #expect(pool.tick(now: 5_010) == [.sendHeartbeat(Self.s1)])
        // Silence longer than the old timeout (10 s) but shorter than the new one (20 s) keeps the session:
        // a heartbeat, no replacement.
        #expect(pool.tick(now: 15_000) == [.sendHeartbeat(Self.s1)])
        #expect(pool.slotStates == [.active(Self.s1)])
    }

    func key(_ n: Int) -> DeliveryTracker.Key { .init(source: Fixture.alice, messageID: Fixture.id(n)) }

    @Test("a larger replaying bound promotes waiting messages at once; a smaller one lets the surplus finish")
    func trackerBounds() throws {
        var tracker = Fixture.tracker(replayingPerPair: 2)
        for n in 1...6 { _ = try tracker.track(Fixture.message(n), key: [], now: 0) }
        #expect(tracker.replaying(for: Fixture.pair) == [key(1), key(2)])

        tracker.reconfigure(try .init(replay: ReplayCalculator(.constant(periodMillis: 1_000)), maximumReplayingPerPair: 4), now: 500)
        #expect(tracker.replaying(for: Fixture.pair) == [key(1), key(2), key(3), key(4)])
        #expect(tracker.waiting(for: Fixture.pair) == [key(5), key(6)])
        #expect(tracker.place(of: key(3)) == .replaying(due: 1_000))  // sent at 0, first delay 1 s

        tracker.reconfigure(try .init(replay: ReplayCalculator(.constant(periodMillis: 1_000)), maximumReplayingPerPair: 1), now: 600)
        #expect(tracker.replaying(for: Fixture.pair).count == 4)  // nothing is dropped
        _ = tracker.acknowledged(key(1), now: 700)
        _ = tracker.acknowledged(key(2), now: 700)
        #expect(tracker.replaying(for: Fixture.pair) == [key(3), key(4)])  // no promotion above the bound
        _ = tracker.acknowledged(key(3), now: 800)
        _ = tracker.acknowledged(key(4), now: 800)
        #expect(tracker.replaying(for: Fixture.pair) == [key(5)])  // below it again: one at a time
        #expect(tracker.waiting(for: Fixture.pair) == [key(6)])
        #expect(tracker.trackedCount == 2)
    }

    @Test("a new replay algorithm applies from each message's next replay")
    func trackerReplayAlgorithm() throws {
        var tracker = Fixture.tracker(.constant(periodMillis: 1_000))
        let m = Fixture.message(1)
        _ = try tracker.track(m, key: [], now: 0)
        tracker.reconfigure(
            try .init(replay: ReplayCalculator(.exponentialBackoff(baseMillis: 3_000, cutoffMillis: 12_000)), maximumReplayingPerPair: 2),
            now: 10)
        #expect(tracker.nextDeadline == 1_000)  // already scheduled: unchanged
        #expect(tracker.tick(now: 1_000) == [.replay(m, key: [])])
        #expect(tracker.nextDeadline == 4_000)  // 1 s was the last delay; the backoff doubles it, at least its base
        _ = tracker.tick(now: 4_000)
        #expect(tracker.nextDeadline == 10_000)
        _ = tracker.tick(now: 10_000)
        #expect(tracker.nextDeadline == 22_000)  // capped at 12 s
    }

    @Test("new inbound expiry settings apply from the next check; sessions are kept")
    func inboundExpiry() throws {
        var table = InboundSessionTable(
            configuration: try .init(idleExpiryMillis: 60_000, handshakeTimeoutMillis: 5_000, maximumSessionsPerPeer: 2, maximumSessions: 3))
        let id = SessionID(high: 0, low: 1)
        _ = try table.helloReceived(id, peer: Fixture.alice, now: 0)
        try table.established(id, local: Fixture.bob, now: 100)
        #expect(table.nextDeadline == 60_100)
        table.reconfigure(try .init(idleExpiryMillis: 10_000, handshakeTimeoutMillis: 5_000, maximumSessionsPerPeer: 1, maximumSessions: 1))
        #expect(table.count == 1 && table.nextDeadline == 10_100)
        #expect(table.expire(now: 10_099) == [])
        #expect(table.expire(now: 10_100) == [id])
    }
}
