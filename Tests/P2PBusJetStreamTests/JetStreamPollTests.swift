import P2PBus
@testable import P2PBusJetStream
import P2PTestSupport
import Testing

/// A member owning many partitions: a poll has a request outstanding on each, so it returns what any
/// of them holds as soon as it arrives and, when all stay empty, after about its timeout (not one
/// request expiry per partition).
@Suite("JetStreamConsumer polls every owned partition at once", .serialized)
struct JetStreamPollTests {
    static let partitions = 8

    /// A nats-server, a bus, an 8-partition topic and its only group member, for `body`.
    func withConsumer(_ topic: String, _ body: (JetStreamBus, any BusConsumer) async throws -> Void) async throws {
        let server = try await NATSServer.start()
        defer { server.stop() }
        let bus = try await JetStreamBus.connect(urls: [server.url], configuration: .init(sendAsap: true))
        _ = try await bus.createTopic(TopicSpec(name: topic, partitions: Self.partitions))
        let consumer = try await bus.makeConsumer(topic: topic, group: "g", options: ConsumerOptions(memberID: "m-1"))
        #expect(await consumer.assignment() == Array(0..<Self.partitions))
        try await body(bus, consumer)
        await consumer.close()
        await bus.close()
    }

    @Test("a poll waiting on eight empty partitions wakes at the first record published to any of them")
    func wakesAtFirstRecord() async throws {
        try await withConsumer("poll.wake") { bus, consumer in
            let topic = "poll.wake"
            let producer = try await bus.makeProducer(options: ProducerOptions())
            let clock = ContinuousClock()
            for partition in [6, 1] {
                let waiting = Task { () throws -> (records: [ConsumedRecord], took: Duration) in
                    let start = clock.now
                    let records = try await consumer.poll(maxRecords: 10, timeout: .seconds(20))
                    return (records, clock.now - start)
                }
                try await Task.sleep(for: .milliseconds(200))
                _ = try await producer.send(BusRecord(topic: topic, key: "k", value: [1], partition: partition)).accepted()
                let (records, took) = try await waiting.value
                #expect(records.map(\.partition) == [partition])
                // Not held to the 20 s timeout (nor to one expiry per partition): woken by the record.
                #expect(took < .seconds(10), "the poll took \(took)")
                try await consumer.ack(records)
            }
            await producer.close()
        }
    }

    @Test("records on any of eight partitions come back, each once, and an empty poll ends near its timeout")
    func manyPartitions() async throws {
        try await withConsumer("poll.many") { bus, consumer in
            let topic = "poll.many"

            // Before the fix, every empty partition held a poll for a whole 1-second request expiry.
            let clock = ContinuousClock()
            let start = clock.now
            let empty = try await consumer.poll(maxRecords: 100, timeout: .milliseconds(200))
            #expect(empty.isEmpty)
            #expect(clock.now - start < .seconds(3), "an empty poll took \(clock.now - start)")

            let producer = try await bus.makeProducer(options: ProducerOptions())
            for partition in [7, 3, 0, 5, 1, 6, 2, 4] {
                let receipt = try await producer.send(
                    BusRecord(topic: topic, key: "k-\(partition)", value: [UInt8(partition)], partition: partition))
                _ = try await receipt.accepted()
            }
            var received: [ConsumedRecord] = []
            for _ in 0..<50 where received.count < Self.partitions {
                let records = try await consumer.poll(maxRecords: 3, timeout: .milliseconds(200))
                #expect(records.count <= 3)
                try await consumer.ack(records)
                received += records
            }
            #expect(received.map(\.partition).sorted() == Array(0..<Self.partitions))
            #expect(received.allSatisfy { $0.value == [UInt8($0.partition)] })
            await producer.close()
        }
    }
}
