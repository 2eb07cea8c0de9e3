import P2PBus
import P2PBusJetStream
import P2PTestSupport
import Testing

/// The JetStream bus under the conformance suite, against a real nats-server started per test.
/// Timeouts are short so the real-time waits stay around a few seconds.
struct JetStreamHarness: BusConformanceHarness {
    let server: NATSServer

    func connect() async throws -> any MessageBus {
        try await JetStreamBus.connect(urls: [server.url], configuration: .init(sendAsap: true))
    }
    func pass(_ duration: Duration) async throws { try await Task.sleep(for: duration) }
    func stallBroker() async throws { server.suspend() }
    func resumeBroker() async throws { server.resume() }
    var sessionTimeout: Duration { .milliseconds(2500) }
    var heartbeatInterval: Duration { .milliseconds(250) }
    var ackWait: Duration { .seconds(1) }
}

/// Serialized: the checks wait on real timeouts, and ten servers at once on two cores would make
/// a heart-beating member look silent.
@Suite("JetStreamBus passes the bus conformance suite against a real nats-server", .serialized)
struct JetStreamConformanceTests {
    func run(_ check: (BusConformance) async throws -> Void) async throws {
        let server = try await NATSServer.start()
        defer { server.stop() }
        try await check(BusConformance(harness: JetStreamHarness(server: server), attempts: 60, pollTimeout: .milliseconds(150)))
    }

    @Test func orderingWithinPartition() async throws { try await run { try await $0.orderingWithinPartition() } }
    @Test func keyPartitioning() async throws { try await run { try await $0.keyPartitioning() } }
    @Test func groupsSharePartitions() async throws { try await run { try await $0.groupsSharePartitions() } }
    @Test func rebalanceOnLeave() async throws { try await run { try await $0.rebalanceOnLeave() } }
    @Test func rebalanceOnSilentMember() async throws { try await run { try await $0.rebalanceOnSilentMember() } }
    @Test func redeliveryAfterMemberDies() async throws { try await run { try await $0.redeliveryAfterMemberDies() } }
    @Test func redeliveryAfterAckWait() async throws { try await run { try await $0.redeliveryAfterAckWait() } }
    @Test func idempotentPublish() async throws { try await run { try await $0.idempotentPublish() } }
    @Test func tableCompareAndSetAndWatch() async throws { try await run { try await $0.tableCompareAndSetAndWatch() } }
    @Test func tableWatchUnderPrefixAndPurgeDeletes() async throws { try await run { try await $0.tableWatchUnderPrefixAndPurgeDeletes() } }
    @Test func backPressureAtInFlightBound() async throws { try await run { try await $0.backPressureAtInFlightBound() } }
    @Test func badInput() async throws { try await run { try await $0.badInput() } }
}

@Suite("JetStreamBus start-up and lease planning")
struct JetStreamStartTests {
    @Test("an unreachable server fails after the bounded retries with an error naming the URL")
    func unreachable() async throws {
        let port = try NATSServer.freePort()
        let url = "nats://127.0.0.1:\(port)"
        let clock = ContinuousClock()
        let start = clock.now
        do {
            _ = try await JetStreamBus.connect(
                urls: [url], configuration: .init(connectAttempts: 3, connectTimeout: .milliseconds(200), connectBackoff: .milliseconds(50)))
            Issue.record("connected to nothing")
        } catch let error as BusError {
            #expect(error.code == .unreachable)
            #expect(error.detail.contains(url))
            #expect(error.detail.contains("3 attempts"))
        }
        #expect(clock.now - start < .seconds(30), "retries are bounded")
    }
}

@Suite("JetStream record limits")
struct JetStreamLimitTests {
    @Test("a second client learns the stream's limit; a record over the server's max_payload is a typed error too")
    func limits() async throws {
        let server = try await NATSServer.start()
        defer { server.stop() }
        let creator = try await JetStreamBus.connect(urls: [server.url])
        try await creator.createTopic(TopicSpec(name: "small", partitions: 1, maxRecordBytes: 2048))
        try await creator.createTopic(TopicSpec(name: "huge", partitions: 1, maxRecordBytes: 4 * 1024 * 1024))
        await creator.close()
        let bus = try await JetStreamBus.connect(urls: [server.url])
        let producer = try await bus.makeProducer(options: ProducerOptions())
        await #expect(throws: BusError(.recordTooLarge)) {
            try await producer.publish(BusRecord(topic: "small", key: "k", value: [UInt8](repeating: 1, count: 2049)))
        }
        try await producer.publish(BusRecord(topic: "small", key: "k", value: [UInt8](repeating: 1, count: 2048)))
        // The stream allows 4 MiB, the server's max_payload is 1 MiB.
        await #expect(throws: BusError(.recordTooLarge)) {
            try await producer.publish(BusRecord(topic: "huge", key: "k", value: [UInt8](repeating: 1, count: 2 * 1024 * 1024)))
        }
        #expect(producer.inFlight == 0)
        await producer.close()
        await bus.close()
    }
}
