import P2PIdentity
import P2PWire
import Testing

@testable import P2PLinkManager
import P2PTestSupport

@Suite("Receiver de-duplication")
struct InboundDeduplicatorTests {
    func dedup(capacity: Int = 100) -> InboundDeduplicator {
        InboundDeduplicator(configuration: try! .init(graceMillis: 1_000, windowWithoutTTLMillis: 10_000, maximumEntries: capacity))
    }

    @Test func deliversOnceWithinTheTTLWindow() {
        var d = dedup()
        #expect(d.admit(source: Fixture.alice, messageID: Fixture.id(1), ttl: 5_000, now: 0) == .deliver)
        #expect(d.admit(source: Fixture.alice, messageID: Fixture.id(1), ttl: 5_000, now: 5_999) == .duplicate)
        // Another source may use the same id.
        #expect(d.admit(source: Fixture.carol, messageID: Fixture.id(1), ttl: 5_000, now: 10) == .deliver)
        // After ttl + grace the entry is gone, and a copy that late is refused as expired.
        #expect(d.admit(source: Fixture.alice, messageID: Fixture.id(1), ttl: 5_000, now: 6_000) == .expired)
        #expect(d.count == 0)
    }

    @Test func messagesWithoutTTLAreRememberedForTheWindow() {
        var d = dedup()
        #expect(d.admit(source: Fixture.alice, messageID: Fixture.id(1), ttl: nil, now: 100) == .deliver)
        #expect(d.nextDeadline == 11_100)
        #expect(d.admit(source: Fixture.alice, messageID: Fixture.id(1), ttl: nil, now: 11_099) == .duplicate)
        #expect(d.admit(source: Fixture.alice, messageID: Fixture.id(1), ttl: nil, now: 11_100) == .deliver)
    }

    @Test func fullStructureEvictsTheSoonestToBeForgotten() {
        var d = dedup(capacity: 3)
        _ = d.admit(source: Fixture.alice, messageID: Fixture.id(1), ttl: 50_000, now: 0)
        _ = d.admit(source: Fixture.alice, messageID: Fixture.id(2), ttl: 20_000, now: 0)
        _ = d.admit(source: Fixture.alice, messageID: Fixture.id(3), ttl: 90_000, now: 0)
        #expect(d.admit(source: Fixture.alice, messageID: Fixture.id(4), ttl: 90_000, now: 1) == .deliver)
        #expect(d.count == 3 && d.evictions == 1)
        // m-2 (window ending first) was evicted: a copy of it is delivered again (the documented cost).
        #expect(d.admit(source: Fixture.alice, messageID: Fixture.id(2), ttl: 20_000, now: 2) == .deliver)
        #expect(d.admit(source: Fixture.alice, messageID: Fixture.id(3), ttl: 90_000, now: 3) == .duplicate)
    }

    @Test func randomizedNeverExceedsCapacityAndNeverDeliversTwiceWithoutEviction() {
        var d = dedup(capacity: 500)
        var random = SplitMix64(seed: 11)
        var delivered: [Int: UInt64] = [:]  // id → remember-until of its delivery
        var now: UInt64 = 0
        for _ in 0..<20_000 {
            now += UInt64.random(in: 0..<5, using: &random)
            let n = Int.random(in: 0..<400, using: &random)
            let ttl = UInt64(n) * 40
            let verdict = d.admit(source: Fixture.alice, messageID: Fixture.id(n), ttl: ttl, now: now)
            if verdict == .deliver {
                if let until = delivered[n], until > now { Issue.record("m-\(n) delivered twice within its window") }
                delivered[n] = ttl + 1_000
            }
            #expect(d.count <= 500)
        }
        #expect(d.evictions == 0)
    }
}

@Suite("Inbound session table")
struct InboundSessionTableTests {
    func table(perPeer: Int = 2, total: Int = 3) -> InboundSessionTable {
        InboundSessionTable(
            configuration: try! .init(
                idleExpiryMillis: 60_000, handshakeTimeoutMillis: 5_000, maximumSessionsPerPeer: perPeer, maximumSessions: total))
    }
    func sid(_ n: UInt64) -> SessionID { SessionID(high: 0, low: n) }

    @Test func lifecycleAndSpoofingCheck() throws {
        var t = table()
        #expect(try t.helloReceived(sid(1), peer: Fixture.alice, now: 0) == .accepted(evicted: nil))
        #expect(try t.helloReceived(sid(1), peer: Fixture.alice, now: 10) == .retransmission)
        expectCode(.sessionNotEstablished) { try t.validateData(sid(1), source: Fixture.alice, destination: Fixture.bob, now: 20) }
        try t.established(sid(1), local: Fixture.bob, now: 30)
        #expect(try t.validateData(sid(1), source: Fixture.alice, destination: Fixture.bob, now: 40) == Counterparties(ours: Fixture.bob, peer: Fixture.alice))
        expectCode(.counterpartiesMismatch) { try t.validateData(sid(1), source: Fixture.carol, destination: Fixture.bob, now: 50) }
        expectCode(.counterpartiesMismatch) { try t.validateData(sid(1), source: Fixture.alice, destination: Fixture.carol, now: 50) }
        expectCode(.unknownSession) { try t.validateData(sid(9), source: Fixture.alice, destination: Fixture.bob, now: 50) }
        expectCode(.counterpartiesMismatch) { try t.established(sid(1), local: Fixture.carol, now: 60) }
    }

    @Test func idleAndStalledSessionsExpire() throws {
        var t = table()
        _ = try t.helloReceived(sid(1), peer: Fixture.alice, now: 0)
        _ = try t.helloReceived(sid(2), peer: Fixture.alice, now: 0)
        try t.established(sid(2), local: Fixture.bob, now: 100)
        #expect(t.nextDeadline == 5_000)
        #expect(t.expire(now: 4_999) == [])
        #expect(t.expire(now: 5_000) == [sid(1)])
        t.touch(sid(2), now: 30_000)
        #expect(t.expire(now: 60_100) == [])
        #expect(t.expire(now: 90_000) == [sid(2)])
        #expect(t.count == 0 && t.sessionCount(of: Fixture.alice) == 0)
    }

    @Test func boundsEvictOnlyUnfinishedHandshakes() throws {
        var t = table(perPeer: 2, total: 3)
        _ = try t.helloReceived(sid(1), peer: Fixture.alice, now: 0)
        _ = try t.helloReceived(sid(2), peer: Fixture.alice, now: 1)
        // Per-peer bound: the peer's oldest handshake makes room.
        #expect(try t.helloReceived(sid(3), peer: Fixture.alice, now: 2) == .accepted(evicted: sid(1)))
        try t.established(sid(2), local: Fixture.bob, now: 3)
        try t.established(sid(3), local: Fixture.bob, now: 3)
        // All of the peer's sessions established: refused.
        expectCode(.tooManyInboundSessions) { try t.helloReceived(sid(4), peer: Fixture.alice, now: 4) }
        // Total bound: another peer's hello evicts the oldest handshake overall, else is refused.
        _ = try t.helloReceived(sid(5), peer: Fixture.carol, now: 5)
        #expect(try t.helloReceived(sid(6), peer: Fixture.carol, now: 6) == .accepted(evicted: sid(5)))
        try t.established(sid(6), local: Fixture.bob, now: 7)
        expectCode(.tooManyInboundSessions) { try t.helloReceived(sid(7), peer: Fixture.carol, now: 8) }
        #expect(t.count == 3)
    }
}

@Suite("Local routing")
struct OutboundRouterTests {
    @Test func localRemoteAndExpired() {
        let m = Fixture.message(1, ttl: 1_000)
        let hosted: (HoldingIdentity) -> Bool = { $0 == Fixture.alice || $0 == Fixture.carol }
        #expect(OutboundRouter.route(m, key: [1], now: 0, isHostedLocally: hosted) == .remote)
        let local = Fixture.message(2, to: Fixture.carol, ttl: 1_000)
        guard case .local(let key, let message, let markers, let status) = OutboundRouter.route(local, key: [2], now: 5, isHostedLocally: hosted) else {
            Issue.record("expected local delivery")
            return
        }
        #expect(key == [2] && message == .authenticated(local))
        #expect(markers == [.sent(local, key: [2], at: 5), DeliveryMarker(kind: .delivered, source: Fixture.alice, messageID: Fixture.id(2), timestamp: 5)])
        #expect(status?.status == .deliveredLocally)
        guard case .expired(let expiredMarkers, let expiredStatus) = OutboundRouter.route(local, key: [2], now: 1_000, isHostedLocally: hosted) else {
            Issue.record("expected expiry")
            return
        }
        #expect(expiredMarkers.count == 2 && expiredStatus.status == .expired)
        let unauthenticated = UnauthenticatedMessage(
            header: UnauthenticatedMessageHeader(destination: Fixture.carol, source: Fixture.alice, messageID: Fixture.id(3)), payload: [])
        #expect(OutboundRouter.route(unauthenticated, key: [], isHostedLocally: hosted) == .local(key: [], message: .unauthenticated(unauthenticated), markers: [], status: nil))
    }
}
