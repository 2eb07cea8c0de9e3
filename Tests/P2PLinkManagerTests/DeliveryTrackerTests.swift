import P2PIdentity
import Testing

@testable import P2PLinkManager

@Suite("Delivery tracker and replay scheduler")
struct DeliveryTrackerTests {
    typealias Key = DeliveryTracker.Key
    func key(_ n: Int, from source: HoldingIdentity = Fixture.alice) -> Key { Key(source: source, messageID: Fixture.id(n)) }

    func replays(_ actions: [DeliveryTracker.Action]) -> [MessageID] {
        actions.compactMap { if case .replay(let m, _) = $0 { m.header.messageID } else { nil } }
    }

    @Test func calculators() throws {
        let constant = try ReplayCalculator(.constant(periodMillis: 2_000))
        #expect(constant.firstDelay == 2_000 && constant.nextDelay(after: 2_000) == 2_000)
        let backoff = try ReplayCalculator(.exponentialBackoff(baseMillis: 2_000, cutoffMillis: 10_000))
        var delays = [backoff.firstDelay]
        for _ in 0..<5 { delays.append(backoff.nextDelay(after: delays.last!)) }
        #expect(delays == [2_000, 4_000, 8_000, 10_000, 10_000, 10_000])
        #expect(backoff.nextDelay(after: 0) == 2_000)
        #expect(backoff.nextDelay(after: .max) == 10_000)
        expectCode(.invalidConfiguration) { try ReplayCalculator(.exponentialBackoff(baseMillis: 10, cutoffMillis: 5)) }
        expectCode(.invalidConfiguration) { try ReplayCalculator(.constant(periodMillis: 0)) }
    }

    @Test func sentMarkerThenReplaysThenDelivered() throws {
        var tracker = Fixture.tracker()
        let m = Fixture.message(1)
        let first = try tracker.track(m, key: Fixture.key(1), now: 0)
        #expect(first == [.writeMarker(.sent(m, key: Fixture.key(1), at: 0))])
        #expect(tracker.nextDeadline == 1_000)
        #expect(tracker.tick(now: 999) == [])
        #expect(tracker.tick(now: 1_000) == [.replay(m, key: Fixture.key(1))])
        #expect(tracker.tick(now: 1_999) == [])
        #expect(replays(tracker.tick(now: 2_000)) == [Fixture.id(1)])
        let done = tracker.acknowledged(key(1), now: 2_500)
        #expect(done.contains(.writeMarker(DeliveryMarker(kind: .delivered, source: Fixture.alice, messageID: Fixture.id(1), timestamp: 2_500))))
        #expect(done.contains(.deliveryStatus(DeliveryStatus(status: .delivered, source: Fixture.alice, destination: Fixture.bob, messageID: Fixture.id(1), timestamp: 2_500))))
        #expect(done.contains(.cancel(key(1))))
        #expect(tracker.trackedCount == 0 && tracker.trackedBytes == 0)
        #expect(tracker.tick(now: 10_000) == [])
        #expect(tracker.acknowledged(key(1), now: 3_000) == [])  // a late second ack
    }

    @Test func exponentialBackoffSchedule() throws {
        var tracker = Fixture.tracker(.exponentialBackoff(baseMillis: 1_000, cutoffMillis: 5_000))
        _ = try tracker.track(Fixture.message(1), key: [], now: 0)
        var times: [UInt64] = []
        var now: UInt64 = 0
        while times.count < 6, let due = tracker.nextDeadline {
            now = due
            if !replays(tracker.tick(now: now)).isEmpty { times.append(now) }
        }
        #expect(times == [1_000, 3_000, 7_000, 12_000, 17_000, 22_000])
    }

    @Test func trackingTwiceIsANoOp() throws {
        var tracker = Fixture.tracker()
        _ = try tracker.track(Fixture.message(1), key: [], now: 0)
        #expect(try tracker.track(Fixture.message(1), key: [], now: 500) == [])
        #expect(try tracker.track(Fixture.message(1), key: [], now: 600, recoveredAt: 0) == [])
        #expect(tracker.trackedCount == 1)
        #expect(replays(tracker.tick(now: 1_000)) == [Fixture.id(1)])  // one schedule, not two
        #expect(tracker.scheduledItemCount == 1)
    }

    @Test func boundedReplayingSetWithFIFOPromotion() throws {
        var tracker = Fixture.tracker(replayingPerPair: 2)
        for n in 1...5 { _ = try tracker.track(Fixture.message(n), key: [], now: 0) }
        #expect(tracker.replaying(for: Fixture.pair) == [key(1), key(2)])
        #expect(tracker.waiting(for: Fixture.pair) == [key(3), key(4), key(5)])
        #expect(Set(replays(tracker.tick(now: 1_000))) == [Fixture.id(1), Fixture.id(2)])
        // An ack of a waiting message removes it from the FIFO.
        _ = tracker.acknowledged(key(4), now: 1_100)
        #expect(tracker.waiting(for: Fixture.pair) == [key(3), key(5)])
        // An ack of a replaying one promotes the FIFO's head, due at once.
        _ = tracker.acknowledged(key(1), now: 1_200)
        #expect(tracker.replaying(for: Fixture.pair) == [key(2), key(3)])
        #expect(tracker.place(of: key(3)) == .replaying(due: 1_200))
        #expect(replays(tracker.tick(now: 1_200)) == [Fixture.id(3)])
        // Another pair has its own set.
        _ = try tracker.track(Fixture.message(9, to: Fixture.carol), key: [], now: 1_300)
        #expect(tracker.place(of: key(9)) == .replaying(due: 2_300))
    }

    @Test func ttlStopsReplaysAndReportsExpiry() throws {
        var tracker = Fixture.tracker()
        let m = Fixture.message(1, ttl: 3_500)
        _ = try tracker.track(m, key: [], now: 0)
        var count = 0
        var expired: [DeliveryTracker.Action] = []
        var now: UInt64 = 0
        while let due = tracker.nextDeadline, now < 100_000 {
            now = due
            let actions = tracker.tick(now: now)
            count += replays(actions).count
            expired += actions.filter { if case .replay = $0 { false } else { true } }
        }
        #expect(count == 3)  // at 1 000, 2 000, 3 000; never at or after 3 500
        #expect(expired.contains(.deliveryStatus(DeliveryStatus(status: .expired, source: Fixture.alice, destination: Fixture.bob, messageID: Fixture.id(1), timestamp: 3_500))))
        #expect(expired.contains(.writeMarker(DeliveryMarker(kind: .ttlExpired, source: Fixture.alice, messageID: Fixture.id(1), timestamp: 3_500))))
        #expect(expired.contains(.cancel(key(1))))
        #expect(tracker.trackedCount == 0)
    }

    @Test func waitingMessagesExpireToo() throws {
        var tracker = Fixture.tracker(replayingPerPair: 1)
        _ = try tracker.track(Fixture.message(1), key: [], now: 0)
        _ = try tracker.track(Fixture.message(2, ttl: 500), key: [], now: 0)
        #expect(tracker.place(of: key(2)) == .waiting)
        let actions = tracker.tick(now: 500)
        #expect(actions.contains(.cancel(key(2))))
        #expect(tracker.waiting(for: Fixture.pair).isEmpty)
    }

    @Test func alreadyExpiredIsNeverSent() throws {
        var tracker = Fixture.tracker()
        let m = Fixture.message(1, ttl: 100)
        let actions = try tracker.track(m, key: [7], now: 100)
        #expect(actions.count == 3)
        #expect(actions[0] == .writeMarker(.sent(m, key: [7], at: 100)))
        #expect(tracker.trackedCount == 0)
    }

    @Test func replayLimitWithoutTTL() throws {
        var tracker = Fixture.tracker(maximumReplaysWithoutTTL: 3)
        _ = try tracker.track(Fixture.message(1), key: [], now: 0)
        var count = 0
        var statuses: [DeliveryStatus.Status] = []
        while let due = tracker.nextDeadline {
            for action in tracker.tick(now: due) {
                if case .replay = action { count += 1 }
                if case .deliveryStatus(let s) = action { statuses.append(s.status) }
            }
        }
        #expect(count == 3 && statuses == [.replayLimitReached])
    }

    @Test func boundsAndRecovery() throws {
        var tracker = Fixture.tracker(maximumTracked: 2)
        _ = try tracker.track(Fixture.message(1), key: [], now: 0)
        _ = try tracker.track(Fixture.message(2), key: [], now: 0)
        expectCode(.tooManyTrackedMessages) { try tracker.track(Fixture.message(3), key: [], now: 0) }
        tracker.release(key(1), now: 10)
        // Recovered from the markers state at its original time: no sent marker, first replay from then.
        #expect(try tracker.track(Fixture.message(3), key: [], now: 5_000, recoveredAt: 4_500) == [])
        #expect(tracker.place(of: key(3)) == .replaying(due: 5_500))
    }

    @Test func staleScheduleItemsStayBounded() throws {
        var tracker = Fixture.tracker(replayingPerPair: 1_000, maximumTracked: 1_000)
        for round in 0..<20 {
            for n in 0..<100 { _ = try tracker.track(Fixture.message(round * 100 + n, ttl: 1_000_000), key: [], now: UInt64(round)) }
            for n in 0..<100 { _ = tracker.acknowledged(key(round * 100 + n), now: UInt64(round)) }
            #expect(tracker.scheduledItemCount <= 2 * (2 * tracker.trackedCount + 64))
        }
        #expect(tracker.trackedCount == 0)
    }
}
