import P2PBus
@testable import P2PBusJetStream
import P2PTestSupport
import Testing

/// A member owning many partitions: a poll fetches them together, so it returns what any of them
/// holds and, when all are empty, after about its timeout (not one request expiry per partition).
@Suite("JetStreamConsumer polls every owned partition at once", .serialized)
struct JetStreamPollTests {
    static let partitions = 8

    @Test("the batch is shared over the partitions, rotating, never more than asked")
    func shares() {
        let owned = Array(0..<Self.partitions)
        let even = JetStreamConsumerCore.shares(of: 1024, over: owned, start: 0)
        #expect(even.map(\.0) == owned)
        #expect(even.map(\.1).reduce(0, +) == 1024)
        #expect(even.allSatisfy { $0.1 == 128 })
        let few = JetStreamConsumerCore.shares(of: 3, over: owned, start: 6)
        #expect(few.map(\.0) == [6, 7, 0])
        #expect(few.map(\.1) == [1, 1, 1])
        let uneven = JetStreamConsumerCore.shares(of: 10, over: owned, start: 1)
        #expect(uneven.map(\.1) == [2, 2, 1, 1, 1, 1, 1, 1])
        #expect(JetStreamConsumerCore.shares(of: 0, over: owned, start: 0).isEmpty)
        #expect(JetStreamConsumerCore.shares(of: 5, over: [Int](), start: 0).isEmpty)
    }

    @Test("records on any of eight partitions come back, each once, and an empty poll ends near its timeout")
    func manyPartitions() async throws {
        let server = try await NATSServer.start()
        defer { server.stop() }
        let bus = try await JetStreamBus.connect(urls: [server.url], configuration: .init(sendAsap: true))
        let topic = "poll.many"
        _ = try await bus.createTopic(TopicSpec(name: topic, partitions: Self.partitions))
        let consumer = try await bus.makeConsumer(topic: topic, group: "g", options: ConsumerOptions(memberID: "m-1"))
        #expect(await consumer.assignment() == Array(0..<Self.partitions))

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
        await consumer.close()
        await producer.close()
        await bus.close()
    }
}
