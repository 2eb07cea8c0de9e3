@testable import P2PBus
import Testing

@Suite("Bounded queues: de-duplication window, in-flight window, channel")
struct BoundedQueuesTests {
    @Test("the de-duplication window forgets ids after its duration and beyond its capacity")
    func deduplicationWindow() {
        var window = DeduplicationWindow<Int>(capacity: 2, window: .seconds(10))
        window.insert("a", 1, now: .seconds(0))
        window.insert("b", 2, now: .seconds(5))
        #expect(window.lookup("a", now: .seconds(9)) == 1)
        #expect(window.lookup("a", now: .seconds(10)) == nil, "expired at exactly the window")
        window.insert("c", 3, now: .seconds(11))
        window.insert("d", 4, now: .seconds(12))
        #expect(window.count == 2)
        #expect(window.lookup("b", now: .seconds(12)) == nil, "evicted beyond capacity")
        #expect(window.lookup("d", now: .seconds(12)) == 4)
    }

    @Test("the in-flight window hands permits to waiters in order and signals empty")
    func inFlightWindow() async {
        let window = InFlightWindow(capacity: 1)
        await window.acquire()
        #expect(window.inFlight == 1)
        let second = Task { await window.acquire(); return window.inFlight }
        for _ in 0..<50 { await Task.yield() }
        window.release()  // passes the permit to the waiting task
        #expect(await second.value == 1)
        let drained = Task { await window.waitUntilEmpty() }
        window.release()
        await drained.value
        #expect(window.inFlight == 0)
    }

    @Test("the channel keeps order, reports a full buffer and drains after finish")
    func channel() async {
        let channel = BoundedChannel<Int>(capacity: 2)
        for value in 1...3 { channel.enqueue(value) }
        let waiter = Task { await channel.waitForSpace(); return true }
        #expect(await channel.next() == 1)
        #expect(await channel.next() == 2)
        #expect(await waiter.value)
        channel.finish()
        #expect(channel.enqueue(4) == false)
        #expect(await channel.next() == 3)
        #expect(await channel.next() == nil)
    }
}

@Suite("Consuming as an async sequence")
struct ConsumedRecordsTests {
    @Test("records() yields every record in order and ends when the consumer closes")
    func sequence() async throws {
        let bus = InProcessBus()
        try await bus.createTopic(TopicSpec(name: "seq", partitions: 1))
        let producer = try await bus.makeProducer(options: ProducerOptions(maxInFlight: 8))
        for index in 0..<20 { try await producer.publish(BusRecord(topic: "seq", key: "k", value: [UInt8(index)])) }
        let consumer = try await bus.makeConsumer(topic: "seq", group: "g", options: ConsumerOptions(memberID: "m"))
        var values: [UInt8] = []
        for try await record in consumer.records(batch: 7, pollTimeout: .milliseconds(50)) {
            values.append(record.value[0])
            try await consumer.ack(record)
            if values.count == 20 { await consumer.close() }
        }
        #expect(values == (0..<20).map { UInt8($0) })
        await bus.close()
    }
}
