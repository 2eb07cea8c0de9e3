import P2PBus
import P2PCluster
import P2PIdentity
import P2PLinkManager
import P2PLinkManagerService
import P2PTestSupport
import Testing

/// `ClusterApplication.RedeliveryFilter` as a value: which copies of a `p2p.in` record it drops and
/// how it forgets.
@Suite("Redelivery filter")
struct RedeliveryFilterTests {
    typealias Filter = ClusterApplication.RedeliveryFilter

    @Test("a record delivered again at the same position is a redelivery; the same id elsewhere is a stored copy")
    func verdicts() throws {
        var filter = try Filter(capacity: 4)
        #expect(filter.admit(recordID: "m-1", partition: 3, offset: 10) == .first)
        #expect(filter.admit(recordID: "m-2", partition: 3, offset: 11) == .first)
        #expect(filter.admit(recordID: "m-1", partition: 3, offset: 10) == .redelivered)
        #expect(filter.admit(recordID: "m-1", partition: 3, offset: 12) == .storedAgain)
        #expect(filter.admit(recordID: "m-1", partition: 5, offset: 10) == .storedAgain)
        #expect(filter.count == 2)
    }

    @Test("records without a record id are always admitted and not remembered")
    func withoutID() throws {
        var filter = try Filter(capacity: 2)
        #expect(filter.admit(recordID: nil, partition: 0, offset: 1) == .first)
        #expect(filter.admit(recordID: nil, partition: 0, offset: 1) == .first)
        #expect(filter.count == 0)
    }

    @Test("bounded: the oldest id is forgotten first, so its copy is admitted once more")
    func bounded() throws {
        var filter = try Filter(capacity: 3)
        for index in 0..<5 { #expect(filter.admit(recordID: "m-\(index)", partition: 0, offset: UInt64(index)) == .first) }
        #expect(filter.count == 3)
        #expect(filter.admit(recordID: "m-1", partition: 0, offset: 1) == .first)
        #expect(filter.admit(recordID: "m-4", partition: 0, offset: 4) == .redelivered)
        #expect(filter.admit(recordID: "m-3", partition: 0, offset: 3) == .redelivered)
        #expect(filter.count == 3)
    }

    @Test("the capacity is checked", arguments: [0, -1, Filter.maximumCapacity + 1])
    func capacity(_ capacity: Int) {
        #expect(throws: BusError(.invalidOption)) { try Filter(capacity: capacity) }
    }
}

/// `ClusterApplication.receive` on a real (in-process) bus: a message `p2p.in` stores twice under
/// the same record id (its de-duplication window passed between the copies) reaches the application once.
@Suite("Cluster application de-duplication")
struct ClusterApplicationDeduplicationTests {
    static func message(_ id: String) throws -> AppMessage {
        let alice = HoldingIdentity(name: try X500Name("O=Alice Corp, L=London, C=GB"), groupID: try GroupID("group-1"))
        let bob = HoldingIdentity(name: try X500Name("O=Bob Corp, L=Paris, C=FR"), groupID: try GroupID("group-1"))
        return .authenticated(
            AuthenticatedMessage(
                header: AuthenticatedMessageHeader(destination: bob, source: alice, ttl: 0, messageID: try MessageID(id), subsystem: "test"),
                payload: Array(id.utf8)))
    }

    @Test("a copy stored again under the same record id is acknowledged, dropped and counted")
    func storedTwice() async throws {
        let clock = ManualBusClock()
        let bus = InProcessBus(configuration: .init(clock: clock))
        let topics = LinkManagerTopics()
        try await bus.createTopic(TopicSpec(name: topics.p2pIn, partitions: 1, deduplicationWindow: .seconds(1)))
        try await bus.createTopic(TopicSpec(name: topics.deliveryStatus, partitions: 1))
        let producer = try await bus.makeProducer(options: ProducerOptions(maxInFlight: 16))
        func publish(_ id: String) async throws -> PublishAck {
            guard case .authenticated(let authenticated) = try Self.message(id) else { throw FixtureError("not authenticated") }
            let record = BusRecord(
                topic: topics.p2pIn, key: Array(id.utf8), value: try Self.message(id).encoded(),
                recordID: LinkManagerEngine.deliveryRecordID(authenticated.header))
            return try await producer.send(record).accepted()
        }
        let app = try await ClusterApplication(bus: bus, name: "bob", topics: topics)

        let first = try await publish("m-1")
        clock.advance(by: .seconds(2))
        let again = try await publish("m-1")
        _ = try await publish("m-2")
        #expect(!again.duplicate && again.offset != first.offset)

        var received: [String] = []
        for _ in 0..<20 where received.count < 2 {
            for case .authenticated(let message) in try await app.receive(timeout: .milliseconds(100)) {
                received.append(message.header.messageID.value)
            }
        }
        #expect(received == ["m-1", "m-2"])
        #expect(app.counters == ClusterApplication.Counters(redeliveries: 0, storedCopies: 1))
        await app.close()
        await producer.close()
        await bus.close()
    }
}
