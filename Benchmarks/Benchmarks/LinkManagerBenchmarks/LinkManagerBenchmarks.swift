import Benchmark
import P2PIdentity
import P2PLinkManager
import P2PWire

/// App-record codecs (1 KB payload) and the link manager's state machines on their hot paths:
/// tracking and acknowledging, submitting over four weighted sessions, de-duplication. Inputs are
/// built once, outside the measured loops. See PERFORMANCE.md, "Link manager".
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal, .throughput],
        maxDuration: .seconds(2), maxIterations: 100_000)

    let group = try! GroupID("6b4fd0c5-2f3a-4b7e-9a43-0d1c2e3f4a5b")
    let alice = HoldingIdentity(name: try! X500Name("CN=Alice, O=Alice Corp, L=London, C=GB"), groupID: group)
    let bob = HoldingIdentity(name: try! X500Name("CN=Bob, O=Bob Corp, L=New York, C=US"), groupID: group)
    let ids = (0..<1_000).map { try! MessageID("3f2a9c1e-7b4d-4e8f-9a6b-\(String(format: "%012d", $0))") }
    func message(_ index: Int, payload: Int = 1024) -> AuthenticatedMessage {
        AuthenticatedMessage(
            header: AuthenticatedMessageHeader(
                destination: bob, source: alice, ttl: 1_800_000_000_000, messageID: ids[index], traceID: "trace",
                subsystem: "flows"),
            payload: [UInt8](repeating: 0x5A, count: payload))
    }
    let oneKB = message(0)
    let encoded = try! oneKB.encoded()
    let sealed = try! SealedDataPayload(key: Array("key-0".utf8), message: oneKB).encoded()
    let kilo = Benchmark.Configuration(scalingFactor: .kilo)

    Benchmark("AuthenticatedMessage encode 1 KB", configuration: kilo) { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try oneKB.encoded()) }
    }
    Benchmark("AuthenticatedMessage decode 1 KB", configuration: kilo) { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try AuthenticatedMessage(decoding: encoded)) }
    }
    Benchmark("AuthenticatedMessage decode 1 KB, identity cache", configuration: kilo) { benchmark in
        var cache = IdentityCache()
        for _ in benchmark.scaledIterations { blackHole(try AuthenticatedMessage(decoding: encoded, cache: &cache)) }
    }
    Benchmark("SealedDataPayload decode 1 KB, identity cache", configuration: kilo) { benchmark in
        var cache = IdentityCache()
        for _ in benchmark.scaledIterations { blackHole(try SealedDataPayload(decoding: sealed, cache: &cache)) }
    }
    Benchmark("SealedDataPayload decode 1 KB", configuration: kilo) { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try SealedDataPayload(decoding: sealed)) }
    }

    // 1,000 messages tracked then acknowledged per sample (100 replaying, 900 in the FIFO).
    let messages = (0..<1_000).map { message($0, payload: 100) }
    let keys = messages.map { DeliveryTracker.Key(source: $0.header.source, messageID: $0.header.messageID) }
    Benchmark("DeliveryTracker track + acknowledge, 1,000 messages") { benchmark in
        let configuration = try DeliveryTracker.Configuration(replay: try ReplayCalculator(.constant(periodMillis: 2_000)))
        for _ in benchmark.scaledIterations {
            var tracker = DeliveryTracker(configuration: configuration)
            for m in messages { blackHole(try tracker.track(m, key: [], now: 1)) }
            for k in keys { blackHole(tracker.acknowledged(k, now: 2)) }
        }
    }

    // Submits over four active sessions with different ack ages (the weighted pick).
    Benchmark("OutboundSessionPool submit, 4 active sessions", configuration: kilo) { benchmark in
        var pool = OutboundSessionPool(
            counterparties: Counterparties(ours: alice, peer: bob), configuration: try SessionPoolConfiguration())
        var random = SystemRandomNumberGenerator()
        for slot in 0..<4 {
            _ = try pool.submit(.init(messageID: ids[slot], byteCount: 1), now: 0, random: &random)
            let id = SessionID(high: 0, low: UInt64(slot + 1))
            try pool.sessionOpened(slot: slot, sessionID: id, now: 0)
            _ = pool.sessionEstablished(id, now: UInt64(slot * 1_000), random: &random)
        }
        let queued = OutboundSessionPool.QueuedMessage(messageID: ids[9], byteCount: 1024)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(try pool.submit(queued, now: 5_000, random: &random)) }
    }

    // New ids into a full de-duplicator (100,000 entries): each admit evicts the entry whose window
    // ends first. 200,000 distinct ids are cycled, so an id is always evicted before it comes back.
    Benchmark("InboundDeduplicator admit, full at 100,000 entries, 100,000 admits") { benchmark in
        var dedup = InboundDeduplicator(configuration: try .init(maximumEntries: 100_000))
        let pool = (0..<200_000).map { try! MessageID("m-\($0)") }
        var ttl: UInt64 = 1_000_000
        var next = 0
        for _ in 0..<100_000 {
            ttl += 1
            _ = dedup.admit(source: alice, messageID: pool[next], ttl: ttl, now: 0)
            next += 1
        }
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            for _ in 0..<100_000 {
                ttl += 1
                blackHole(dedup.admit(source: alice, messageID: pool[next], ttl: ttl, now: 0))
                next = next == pool.count - 1 ? 0 : next + 1
            }
        }
    }
}
