import P2PIdentity
import P2PMembership
import P2PWire
import Testing

@testable import P2PLinkManager
import P2PTestSupport

@Suite("Outbound session pool")
struct OutboundSessionPoolTests {
    typealias Pool = OutboundSessionPool
    static let s1 = SessionID(high: 1, low: 1)
    static let s2 = SessionID(high: 2, low: 2)
    static let s3 = SessionID(high: 3, low: 3)

    func queued(_ n: Int, bytes: Int = 10) -> Pool.QueuedMessage { .init(messageID: Fixture.id(n), byteCount: bytes) }

    /// A pool with both slots opened (pending) at `now`.
    func openedPool(now: UInt64 = 0) throws -> Pool {
        var pool = Pool(counterparties: Fixture.pair, configuration: Fixture.poolConfiguration())
        var random = SplitMix64(seed: 1)
        let actions = try pool.submit(queued(1), now: now, random: &random)
        #expect(actions == [.openSession(slot: 0), .openSession(slot: 1)])
        try pool.sessionOpened(slot: 0, sessionID: Self.s1, now: now)
        try pool.sessionOpened(slot: 1, sessionID: Self.s2, now: now)
        return pool
    }

    @Test func queuesUntilASessionIsEstablishedThenFlushesEverything() throws {
        var pool = try openedPool()
        var random = SplitMix64(seed: 2)
        // More messages while pending: queued, no new sessions.
        #expect(try pool.submit(queued(2), now: 10, random: &random) == [])
        #expect(try pool.submit(queued(2), now: 11, random: &random) == [])  // same id: not queued twice
        #expect(pool.queuedMessages.map(\.messageID) == [Fixture.id(1), Fixture.id(2)])
        let flushed = pool.sessionEstablished(Self.s1, now: 20, random: &random)
        #expect(flushed == [.send(Fixture.id(1), over: Self.s1), .send(Fixture.id(2), over: Self.s1)])
        #expect(pool.queuedMessages.isEmpty && pool.queuedBytes == 0)
        #expect(pool.sessionEstablished(Self.s1, now: 21, random: &random) == [])  // idempotent
        // Now sends go straight out.
        #expect(try pool.submit(queued(3), now: 30, random: &random) == [.send(Fixture.id(3), over: Self.s1)])
    }

    @Test func fullQueueThrowsAndQueuesNothing() throws {
        var pool = try openedPool()
        var random = SplitMix64(seed: 3)
        for n in 2...8 { _ = try pool.submit(queued(n), now: 1, random: &random) }
        expectCode(.queueFull) { try pool.submit(queued(9), now: 1, random: &random) }
        #expect(pool.queuedMessages.count == 8)
        var bytesPool = try openedPool()
        expectCode(.queueFull) { try bytesPool.submit(queued(2, bytes: 991), now: 1, random: &random) }
        _ = try bytesPool.submit(queued(2, bytes: 990), now: 1, random: &random)
        #expect(bytesPool.queuedBytes == 1_000)
        bytesPool.discard(Fixture.id(2))
        #expect(bytesPool.queuedBytes == 10 && !bytesPool.isQueued(Fixture.id(2)))
    }

    @Test func timeoutReplacesOnlyTheSilentSession() throws {
        var pool = try openedPool()
        var random = SplitMix64(seed: 4)
        _ = pool.sessionEstablished(Self.s1, now: 100, random: &random)
        _ = pool.sessionEstablished(Self.s2, now: 100, random: &random)
        pool.acknowledged(Self.s1, now: 9_000)
        // s2 has had no ack since 100: at 10 100 it times out, s1 does not.
        let actions = pool.tick(now: 10_100)
        #expect(actions.contains(.replaceSession(slot: 1, old: Self.s2)))
        #expect(!actions.contains { if case .replaceSession(0, _) = $0 { true } else { false } })
        #expect(pool.slotStates[1] == .opening && pool.slotStates[0] == .active(Self.s1))
        try pool.sessionOpened(slot: 1, sessionID: Self.s3, now: 10_100)
        #expect(pool.slotStates[1] == .pending(Self.s3))
        // Messages keep flowing over s1 meanwhile.
        #expect(try pool.submit(queued(5), now: 10_200, random: &random) == [.send(Fixture.id(5), over: Self.s1)])
        expectCode(.unknownSlot) { try pool.sessionOpened(slot: 1, sessionID: Self.s3, now: 1) }
        expectCode(.unknownSlot) { try pool.sessionOpened(slot: 7, sessionID: Self.s3, now: 1) }
    }

    @Test func pendingHandshakesAreResentThenReplaced() throws {
        var pool = try openedPool()
        #expect(pool.nextDeadline == 1_000)
        #expect(pool.tick(now: 999) == [])
        #expect(pool.tick(now: 1_000) == [.resendHandshake(Self.s1), .resendHandshake(Self.s2)])
        pool.acknowledged(Self.s1, now: 1_500)  // ResponderHello
        let actions = pool.tick(now: 10_000)
        #expect(actions.contains(.replaceSession(slot: 1, old: Self.s2)))
        #expect(actions.contains(.resendHandshake(Self.s1)))
    }

    @Test func heartbeatsOnlyWhenNothingWasSent() throws {
        var pool = try openedPool()
        var random = SplitMix64(seed: 5)
        _ = pool.sessionEstablished(Self.s1, now: 0, random: &random)  // flushes m-1 at 0 over s1
        #expect(pool.tick(now: 1_999).filter { if case .sendHeartbeat = $0 { true } else { false } } == [])
        _ = try pool.submit(queued(2), now: 1_500, random: &random)  // s1 sent at 1 500
        #expect(!pool.tick(now: 2_000).contains(.sendHeartbeat(Self.s1)))
        #expect(pool.tick(now: 3_500).contains(.sendHeartbeat(Self.s1)))
        // Heartbeat acks keep an idle session alive far beyond the timeout.
        var now: UInt64 = 3_500
        for _ in 0..<20 {
            now += 2_000
            let actions = pool.tick(now: now)
            #expect(actions.contains(.sendHeartbeat(Self.s1)))
            #expect(!actions.contains(.replaceSession(slot: 0, old: Self.s1)))
            pool.acknowledged(Self.s1, now: now + 50)
        }
    }

    @Test func failedOpeningsAreRetriedAfterTheTimeoutWhileMessagesWait() throws {
        var pool = Pool(counterparties: Fixture.pair, configuration: Fixture.poolConfiguration(sessions: 1))
        var random = SplitMix64(seed: 6)
        #expect(try pool.submit(queued(1), now: 0, random: &random) == [.openSession(slot: 0)])
        try pool.sessionOpenFailed(slot: 0, now: 0)
        #expect(try pool.submit(queued(2), now: 5, random: &random) == [])  // not before the retry time
        #expect(pool.nextDeadline == 10_000)
        #expect(pool.tick(now: 10_000) == [.openSession(slot: 0)])
    }

    @Test func closeTombstonesEverySession() throws {
        var pool = try openedPool()
        #expect(Set(pool.close()) == [.tombstone(Self.s1), .tombstone(Self.s2)])
        #expect(pool.queuedMessages.isEmpty && pool.slotStates.allSatisfy { $0 == .idle(retryAt: nil) })
    }

    @Test func weightingFollowsCordasFormula() {
        var random = SplitMix64(seed: 9)
        // P(i) = (W − w_i) / ((n − 1)·W): weights 1000, 3000, 0 → W = 4000; P = 3/8, 1/8, 4/8.
        var counts = [0, 0, 0]
        let draws = 40_000
        for _ in 0..<draws { counts[SessionWeighting.pick(weights: [1_000, 3_000, 0], using: &random)] += 1 }
        let expected = [3.0 / 8, 1.0 / 8, 4.0 / 8]
        for i in 0..<3 { #expect(abs(Double(counts[i]) / Double(draws) - expected[i]) < 0.015) }
        // Equal zero weights: uniform; one session: always it.
        var uniform = [0, 0]
        for _ in 0..<10_000 { uniform[SessionWeighting.pick(weights: [0, 0], using: &random)] += 1 }
        #expect(abs(uniform[0] - uniform[1]) < 500)
        #expect(SessionWeighting.pick(weights: [123], using: &random) == 0)
        // A session at the full weight among two is never picked.
        for _ in 0..<1_000 { #expect(SessionWeighting.pick(weights: [0, 500], using: &random) == 0) }
    }

    @Test func configurationIsValidated() {
        expectCode(.invalidConfiguration) { try SessionPoolConfiguration(sessionsPerPeer: 0) }
        expectCode(.invalidConfiguration) { try SessionPoolConfiguration(sessionsPerPeer: 17) }
        expectCode(.invalidConfiguration) { try SessionPoolConfiguration(heartbeatPeriodMillis: 10_000, sessionTimeoutMillis: 10_000) }
        expectCode(.invalidConfiguration) { try SessionPoolConfiguration(maximumQueuedMessages: 0) }
    }
}

@Suite("Outbound session pool: refresh and configuration")
struct OutboundSessionPoolRefreshTests {
    @Test func activeSessionsAreRefreshedAndCanBeReplacedOnDemand() throws {
        let configuration = try SessionPoolConfiguration(
            sessionsPerPeer: 1, heartbeatPeriodMillis: 2_000, sessionTimeoutMillis: 10_000, sessionRefreshMillis: 60_000)
        var pool = OutboundSessionPool(counterparties: Fixture.pair, configuration: configuration)
        var random = SplitMix64(seed: 41)
        let id = SessionID(high: 4, low: 4)
        _ = try pool.submit(.init(messageID: Fixture.id(1), byteCount: 1), now: 0, random: &random)
        try pool.sessionOpened(slot: 0, sessionID: id, now: 0)
        _ = pool.sessionEstablished(id, now: 10, random: &random)
        var now: UInt64 = 0
        var replaced = false
        while now < 70_000, !replaced {
            now = try #require(pool.nextDeadline)
            let actions = pool.tick(now: now)
            replaced = actions.contains(.replaceSession(slot: 0, old: id))
            pool.acknowledged(id, now: now)
        }
        #expect(replaced && now == 60_000)
        let next = SessionID(high: 5, low: 5)
        try pool.sessionOpened(slot: 0, sessionID: next, now: now)
        #expect(pool.replace(next) == [.replaceSession(slot: 0, old: next)])
        #expect(pool.replace(next) == [])
        expectCode(.invalidConfiguration) {
            try SessionPoolConfiguration(sessionTimeoutMillis: 10_000, sessionRefreshMillis: 5_000)
        }
    }

    @Test func configurationsFromTheLinkManagerRecord() throws {
        var record = LinkManagerConfiguration()
        record.replayAlgorithm = .exponentialBackoff
        let pool = try SessionPoolConfiguration(record)
        #expect(pool.sessionsPerPeer == 4 && pool.sessionTimeoutMillis == 10_000 && pool.sessionRefreshMillis == 432_000_000)
        let tracker = try DeliveryTracker.Configuration(record)
        #expect(tracker.replay.algorithm == .exponentialBackoff(baseMillis: 2_000, cutoffMillis: 10_000))
        #expect(tracker.maximumReplayingPerPair == 100)
        let inbound = try InboundSessionTable.Configuration(record)
        #expect(inbound.idleExpiryMillis == 600_000 && inbound.handshakeTimeoutMillis == 10_000)
    }
}
