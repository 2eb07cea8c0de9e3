import P2PBus
import P2PTestSupport
import Testing

/// The in-process bus under the conformance suite, with a manual clock: no test sleeps for a timer.
struct InProcessHarness: BusConformanceHarness {
    let clock = ManualBusClock()
    let bus: InProcessBus

    init() {
        bus = InProcessBus(configuration: .init(clock: clock, pollRecheckInterval: .milliseconds(5)))
    }

    func connect() async throws -> any MessageBus { SharedBus(bus: bus) }
    func pass(_ duration: Duration) async throws { clock.advance(by: duration) }
    func stallBroker() async throws { await bus.holdAcceptance() }
    func resumeBroker() async throws { await bus.releaseAcceptance() }
    var sessionTimeout: Duration { .seconds(10) }
    var heartbeatInterval: Duration { .seconds(1) }
    var ackWait: Duration { .seconds(30) }
}

/// Several "clients" of one in-process bus; closing a client does not close the bus.
struct SharedBus: MessageBus {
    let bus: InProcessBus
    func createTopic(_ spec: TopicSpec) async throws -> Bool { try await bus.createTopic(spec) }
    func createTable(_ spec: TableSpec) async throws -> Bool { try await bus.createTable(spec) }
    func partitionCount(of topic: String) async throws -> Int { try await bus.partitionCount(of: topic) }
    func makeProducer(options: ProducerOptions) async throws -> any BusProducer { try await bus.makeProducer(options: options) }
    func makeConsumer(topic: String, group: String, options: ConsumerOptions) async throws -> any BusConsumer {
        try await bus.makeConsumer(topic: topic, group: group, options: options)
    }
    func table(_ name: String) async throws -> any BusTable { try await bus.table(name) }
    func close() async {}
}

@Suite("InProcessBus passes the bus conformance suite")
struct InProcessConformanceTests {
    let suite = BusConformance(harness: InProcessHarness())

    @Test func orderingWithinPartition() async throws { try await suite.orderingWithinPartition() }
    @Test func keyPartitioning() async throws { try await suite.keyPartitioning() }
    @Test func groupsSharePartitions() async throws { try await suite.groupsSharePartitions() }
    @Test func rebalanceOnLeave() async throws { try await suite.rebalanceOnLeave() }
    @Test func rebalanceOnSilentMember() async throws { try await suite.rebalanceOnSilentMember() }
    @Test func redeliveryAfterMemberDies() async throws { try await suite.redeliveryAfterMemberDies() }
    @Test func redeliveryAfterAckWait() async throws { try await suite.redeliveryAfterAckWait() }
    @Test func idempotentPublish() async throws { try await suite.idempotentPublish() }
    @Test func tableCompareAndSetAndWatch() async throws { try await suite.tableCompareAndSetAndWatch() }
    @Test func tableWatchUnderPrefixAndPurgeDeletes() async throws { try await suite.tableWatchUnderPrefixAndPurgeDeletes() }
    @Test func backPressureAtInFlightBound() async throws { try await suite.backPressureAtInFlightBound() }
    @Test func badInput() async throws { try await suite.badInput() }
}
