import P2PSimulator
import Testing

/// The pacing schedule driven by injected times (µs): no sleeping.
@Suite("Send schedule")
struct SendScheduleTests {
    @Test func pacedBatchesAreDueAtTheirFirstMessagesIntendedTime() throws {
        // 1000 messages/s in batches of 10: a batch every 10 ms.
        var schedule = try SendSchedule(start: 1_000_000, rate: 1000, batchSize: 10, count: 25, duration: nil)
        #expect(schedule.next(now: 1_000_000) == .send(first: 0, count: 10, intendedTime: 1_000_000))
        #expect(schedule.next(now: 1_000_100) == .wait(until: 1_010_000))
        #expect(schedule.next(now: 1_010_000) == .send(first: 10, count: 10, intendedTime: 1_010_000))
        // Late by 35 ms: the batch goes at once and keeps its intended time, so the delay counts as latency.
        #expect(schedule.next(now: 1_055_000) == .send(first: 20, count: 5, intendedTime: 1_020_000))
        #expect(schedule.next(now: 1_055_001) == .finished)
        #expect(schedule.scheduled == 25)
    }

    @Test func intendedTimesFollowTheRate() throws {
        let schedule = try SendSchedule(start: 0, rate: 3, batchSize: 1, count: 10, duration: nil)
        #expect((0..<4).map(schedule.intendedTime(ofMessage:)) == [0, 333_333, 666_666, 1_000_000])
    }

    @Test func unpacedBatchesGoAtOnceStampedWithNow() throws {
        var schedule = try SendSchedule(start: 100, rate: nil, batchSize: 4, count: 6, duration: nil)
        #expect(schedule.next(now: 150) == .send(first: 0, count: 4, intendedTime: 150))
        #expect(schedule.next(now: 170) == .send(first: 4, count: 2, intendedTime: 170))
        #expect(schedule.next(now: 171) == .finished)
    }

    @Test func durationStopsSchedulingNewBatches() throws {
        // 100 messages/s in batches of 50 for 1.2 s: batches due at 0, 0.5 and 1.0 s, none at 1.5 s.
        var schedule = try SendSchedule(start: 0, rate: 100, batchSize: 50, count: nil, duration: 1_200_000)
        var sent: [Int] = []
        var now: UInt64 = 0
        for _ in 0..<20 {
            switch schedule.next(now: now) {
            case .send(let first, _, _): sent.append(first)
            case .wait(let until): now = until
            case .finished: break
            }
        }
        #expect(sent == [0, 50, 100])
        #expect(schedule.next(now: 10_000_000) == .finished)
        var unpaced = try SendSchedule(start: 0, rate: nil, batchSize: 5, count: nil, duration: 1000)
        #expect(unpaced.next(now: 999) == .send(first: 0, count: 5, intendedTime: 999))
        #expect(unpaced.next(now: 1000) == .finished)
    }

    @Test func refusesOptionsOutOfBounds() {
        #expect(throws: SimulatorError(.invalidOption)) { try SendSchedule(start: 0, rate: nil, batchSize: 1, count: nil, duration: nil) }
        #expect(throws: SimulatorError(.invalidOption)) { try SendSchedule(start: 0, rate: 0, batchSize: 1, count: 1, duration: nil) }
        #expect(throws: SimulatorError(.invalidOption)) { try SendSchedule(start: 0, rate: 2e6, batchSize: 1, count: 1, duration: nil) }
        #expect(throws: SimulatorError(.invalidOption)) { try SendSchedule(start: 0, rate: nil, batchSize: 0, count: 1, duration: nil) }
        #expect(throws: SimulatorError(.invalidOption)) { try SendSchedule(start: 0, rate: nil, batchSize: 1001, count: 1, duration: nil) }
        #expect(throws: SimulatorError(.invalidOption)) { try SendSchedule(start: 0, rate: nil, batchSize: 1, count: 0, duration: nil) }
    }
}
