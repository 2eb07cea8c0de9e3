public import P2PBus
import Synchronization

/// What the conformance suite needs from a bus implementation under test.
public protocol BusConformanceHarness: Sendable {
    /// A client of the bus under test. Several calls give several clients of the same broker
    /// (for JetStream: separate connections, as separate processes would have).
    func connect() async throws -> any MessageBus
    /// Lets `duration` pass for heartbeats and ack waits: a manual clock advances, a real one sleeps.
    func pass(_ duration: Duration) async throws
    /// Makes the broker stop acknowledging records (a stalled server), and resumes it.
    func stallBroker() async throws
    func resumeBroker() async throws
    /// The timing the suite's consumers use (short for a real server, anything for a manual clock).
    var sessionTimeout: Duration { get }
    var heartbeatInterval: Duration { get }
    var ackWait: Duration { get }
}

/// A conformance check that did not hold.
public struct ConformanceFailure: Error, CustomStringConvertible {
    public let description: String
    public let line: Int
    init(_ description: String, line: Int = #line) {
        self.description = "\(description) (BusConformance.swift:\(line))"
        self.line = line
    }
}

/// The one conformance suite every `MessageBus` implementation must pass.
///
/// Each check creates its own uniquely named topics, groups and tables, so checks can share a
/// broker. Every wait is bounded by `attempts`.
public struct BusConformance: Sendable {
    public let harness: any BusConformanceHarness
    /// Polls before a check gives up waiting for records or for an assignment to settle.
    public let attempts: Int
    public let pollTimeout: Duration

    public init(harness: any BusConformanceHarness, attempts: Int = 60, pollTimeout: Duration = .milliseconds(100)) {
        self.harness = harness
        self.attempts = attempts
        self.pollTimeout = pollTimeout
    }

    static let counter = Atomic<Int>(0)

    func unique(_ prefix: String) -> String {
        let n = Self.counter.add(1, ordering: .relaxed).newValue
        let stamp = UInt64(WallBusClock().now().components.seconds) % 1_000_000
        return "\(prefix)\(stamp)x\(n)"
    }

    func options(_ member: String, events: EventLog? = nil) -> ConsumerOptions {
        ConsumerOptions(
            memberID: member, sessionTimeout: harness.sessionTimeout, heartbeatInterval: harness.heartbeatInterval,
            ackWait: harness.ackWait, maxUnacked: 1000, onAssignment: Self.listener(events))
    }

    static func listener(_ log: EventLog?) -> (@Sendable (AssignmentEvent) -> Void)? {
        guard let log else { return nil }
        return { event in log.append(event) }
    }

    static func assigned(_ events: some Sequence<AssignmentEvent>) -> Set<Int> {
        var result: Set<Int> = []
        for case .assigned(let partitions) in events { result.formUnion(partitions) }
        return result
    }

    /// Assignment events seen by one member.
    public final class EventLog: Sendable {
        let events = Mutex<[AssignmentEvent]>([])
        public init() {}
        func append(_ event: AssignmentEvent) { events.withLock { $0.append(event) } }
        public var all: [AssignmentEvent] { events.withLock { $0 } }
    }

    func expect(_ condition: Bool, _ message: @autoclosure () -> String, line: Int = #line) throws {
        if !condition { throw ConformanceFailure(message(), line: line) }
    }

    func expectError(_ code: BusError.Code, line: Int = #line, _ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let error as BusError {
            try expect(error.code == code, "expected \(code), got \(error)", line: line)
            return
        }
        throw ConformanceFailure("expected \(code), nothing thrown", line: line)
    }

    /// Polls `consumers` round-robin until `count` records arrived (acking each if `ack`).
    func drain(_ consumers: [any BusConsumer], count: Int, ack: Bool = true) async throws -> [(member: String, record: ConsumedRecord)] {
        var received: [(String, ConsumedRecord)] = []
        for _ in 0..<attempts where received.count < count {
            for consumer in consumers {
                let records = try await consumer.poll(maxRecords: 100, timeout: pollTimeout)
                if ack, !records.isEmpty { try await consumer.ack(records) }
                received += records.map { (consumer.memberID, $0) }
            }
        }
        try expect(received.count >= count, "received \(received.count) of \(count) records")
        return received
    }

    /// Polls every consumer until their assignments are disjoint, cover every partition and match `expected`.
    func settle(_ consumers: [any BusConsumer], partitions: Int, expected: [String: Int]? = nil) async throws -> [String: [Int]] {
        var last: [String: [Int]] = [:]
        for _ in 0..<attempts {
            for consumer in consumers { _ = try await consumer.poll(maxRecords: 0, timeout: .milliseconds(1)) }
            last = [:]
            for consumer in consumers { last[consumer.memberID] = await consumer.assignment() }
            let all = last.values.flatMap { $0 }
            let counts = last.mapValues(\.count)
            if all.count == partitions, Set(all).count == partitions, expected == nil || counts == expected! {
                return last
            }
            try await harness.pass(harness.heartbeatInterval)
        }
        throw ConformanceFailure("assignment did not settle: \(last)")
    }

    func publish(_ bus: any MessageBus, _ records: [BusRecord]) async throws -> [PublishAck] {
        let producer = try await bus.makeProducer(options: ProducerOptions(maxInFlight: 64))
        var receipts: [PublishReceipt] = []
        for record in records { receipts.append(try await producer.send(record)) }
        var acks: [PublishAck] = []
        for receipt in receipts { acks.append(try await receipt.accepted()) }
        await producer.close()
        return acks
    }

    // MARK: - The checks

    /// Records of one partition arrive in publish order, with increasing offsets.
    public func orderingWithinPartition() async throws {
        let bus = try await harness.connect()
        defer { Task { await bus.close() } }
        let topic = unique("order")
        try await bus.createTopic(TopicSpec(name: topic, partitions: 3))
        var records: [BusRecord] = []
        for index in 0..<60 {
            records.append(BusRecord(topic: topic, key: "k\(index % 2)", value: Array("v\(index)".utf8), partition: index % 2 == 0 ? 1 : nil))
        }
        let acks = try await publish(bus, records)
        let consumer = try await bus.makeConsumer(topic: topic, group: unique("g"), options: options("solo"))
        let received = try await drain([consumer], count: 60).map(\.record)
        try expect(received.count == 60, "duplicates: \(received.count)")
        for partition in 0..<3 {
            let inPartition = received.filter { $0.partition == partition }
            let published = zip(records, acks).filter { $0.1.partition == partition }.map { $0.0.value }
            try expect(inPartition.map(\.value) == published, "partition \(partition) out of order")
            try expect(zip(inPartition, inPartition.dropFirst()).allSatisfy { $0.offset < $1.offset }, "offsets not increasing")
        }
        await consumer.close()
    }

    /// A key always lands in `fnv1a32(key) % partitions`; an explicit partition wins.
    public func keyPartitioning() async throws {
        let bus = try await harness.connect()
        defer { Task { await bus.close() } }
        let topic = unique("keys")
        try await bus.createTopic(TopicSpec(name: topic, partitions: 4))
        try expect(try await bus.partitionCount(of: topic) == 4, "partition count")
        let keys = (0..<24).map { "session-\($0)" }
        let acks = try await publish(bus, keys.map { BusRecord(topic: topic, key: $0, value: Array($0.utf8)) })
        for (key, ack) in zip(keys, acks) {
            try expect(ack.partition == PartitionHasher.partition(forKey: Array(key.utf8), partitions: 4), "\(key) in \(ack.partition)")
        }
        try expect(Set(acks.map(\.partition)).count > 1, "all keys in one partition")
        let explicit = try await publish(bus, [BusRecord(topic: topic, key: keys[0], value: [1], partition: 3)])
        try expect(explicit[0].partition == 3, "explicit partition ignored")
        let consumer = try await bus.makeConsumer(topic: topic, group: unique("g"), options: options("solo"))
        let received = try await drain([consumer], count: 25).map(\.record)
        for record in received where record.value != [1] {
            try expect(record.partition == PartitionHasher.partition(forKey: record.key, partitions: 4), "consumed from wrong partition")
        }
        await expectErrorIgnoringResult(.partitionOutOfRange) {
            _ = try await publish(bus, [BusRecord(topic: topic, key: "x", value: [1], partition: 4)])
        }
        await consumer.close()
    }

    func expectErrorIgnoringResult(_ code: BusError.Code, _ body: () async throws -> Void) async {
        try? await expectError(code, body)
    }

    /// Two members share four partitions two and two; each record reaches the owner of its partition once.
    public func groupsSharePartitions() async throws {
        let bus = try await harness.connect()
        let other = try await harness.connect()
        defer { Task { await bus.close(); await other.close() } }
        let topic = unique("share")
        let group = unique("g")
        try await bus.createTopic(TopicSpec(name: topic, partitions: 4))
        let a = try await bus.makeConsumer(topic: topic, group: group, options: options("a"))
        let b = try await other.makeConsumer(topic: topic, group: group, options: options("b"))
        let assignment = try await settle([a, b], partitions: 4, expected: ["a": 2, "b": 2])
        let acks = try await publish(bus, (0..<40).map { BusRecord(topic: topic, key: "key\($0)", value: [UInt8($0)]) })
        let received = try await drain([a, b], count: 40)
        try expect(received.count == 40, "received \(received.count), expected 40 exactly")
        try expect(Set(received.map { $0.record.value }).count == 40, "a record arrived twice")
        for (member, record) in received {
            try expect(assignment[member]!.contains(record.partition), "\(member) got partition \(record.partition)")
        }
        try expect(Set(acks.map(\.partition)).count == 4, "records did not spread over partitions")
        await a.close()
        await b.close()
    }

    /// A member that leaves hands its partitions over, with revoked/assigned callbacks.
    public func rebalanceOnLeave() async throws {
        let bus = try await harness.connect()
        let other = try await harness.connect()
        defer { Task { await bus.close(); await other.close() } }
        let topic = unique("leave")
        let group = unique("g")
        try await bus.createTopic(TopicSpec(name: topic, partitions: 4))
        let eventsA = EventLog()
        let eventsB = EventLog()
        let a = try await bus.makeConsumer(topic: topic, group: group, options: options("a", events: eventsA))
        let b = try await other.makeConsumer(topic: topic, group: group, options: options("b", events: eventsB))
        _ = try await settle([a, b], partitions: 4, expected: ["a": 2, "b": 2])
        let beforeLeave = eventsA.all.count
        await b.close()
        _ = try await settle([a], partitions: 4, expected: ["a": 4])
        let afterLeave = eventsA.all.dropFirst(beforeLeave)
        try expect(Self.assigned(afterLeave) == [1, 3] && !afterLeave.contains { if case .revoked = $0 { true } else { false } },
                   "a did not get exactly b's partitions: \(eventsA.all)")
        // b may have held other partitions on the way (a slow machine can make a look silent for a
        // moment); what it held when it left was [1, 3], and that is what it gave up.
        try expect(eventsB.all.last == .revoked([1, 3]), "b: \(eventsB.all)")
        await a.close()
    }

    /// A member that stops polling for the session timeout loses its partitions to the others.
    public func rebalanceOnSilentMember() async throws {
        let bus = try await harness.connect()
        let other = try await harness.connect()
        defer { Task { await bus.close(); await other.close() } }
        let topic = unique("silent")
        let group = unique("g")
        try await bus.createTopic(TopicSpec(name: topic, partitions: 4))
        let a = try await bus.makeConsumer(topic: topic, group: group, options: options("a"))
        let b = try await other.makeConsumer(topic: topic, group: group, options: options("b"))
        _ = try await settle([a, b], partitions: 4, expected: ["a": 2, "b": 2])
        // b goes silent: only a polls from now on.
        try await harness.pass(harness.sessionTimeout + harness.heartbeatInterval)
        _ = try await settle([a], partitions: 4, expected: ["a": 4])
        await a.close()
        await b.close()
    }

    /// Records a dead member took and never acknowledged reach the member that takes its partition.
    public func redeliveryAfterMemberDies() async throws {
        let bus = try await harness.connect()
        let other = try await harness.connect()
        defer { Task { await bus.close(); await other.close() } }
        let topic = unique("redeliver")
        let group = unique("g")
        try await bus.createTopic(TopicSpec(name: topic, partitions: 1))
        _ = try await publish(bus, (0..<10).map { BusRecord(topic: topic, key: "k", value: [UInt8($0)]) })
        let a = try await bus.makeConsumer(topic: topic, group: group, options: options("a"))
        let taken = try await drain([a], count: 10, ack: false)
        try expect(taken.count == 10, "a took \(taken.count)")
        // a dies holding 10 unacknowledged records; b joins and, after the timeouts, owns partition 0.
        let b = try await other.makeConsumer(topic: topic, group: group, options: options("b"))
        try await harness.pass(harness.sessionTimeout + harness.ackWait + harness.heartbeatInterval)
        let received = try await drain([b], count: 10)
        try expect(Set(received.map { $0.record.value }) == Set((0..<10).map { [UInt8($0)] }), "b did not get a's records")
        try expect(received.allSatisfy { $0.record.deliveryCount >= 2 }, "delivery count not increased")
        // Acknowledged now: nothing comes again.
        try await harness.pass(harness.ackWait + harness.heartbeatInterval)
        let again = try await b.poll(maxRecords: 100, timeout: pollTimeout)
        try expect(again.isEmpty, "acknowledged records delivered again: \(again.count)")
        await b.close()
        await a.close()
    }

    /// A live member that does not acknowledge gets the records again after the ack wait.
    public func redeliveryAfterAckWait() async throws {
        let bus = try await harness.connect()
        defer { Task { await bus.close() } }
        let topic = unique("ackwait")
        try await bus.createTopic(TopicSpec(name: topic, partitions: 1))
        _ = try await publish(bus, (0..<3).map { BusRecord(topic: topic, key: "k", value: [UInt8($0)]) })
        let consumer = try await bus.makeConsumer(topic: topic, group: unique("g"), options: options("solo"))
        let first = try await drain([consumer], count: 3, ack: false)
        try expect(first.allSatisfy { $0.record.deliveryCount == 1 }, "first delivery count")
        try await harness.pass(harness.ackWait + harness.heartbeatInterval)
        let again = try await drain([consumer], count: 3)
        try expect(again.map(\.record.value) == first.map(\.record.value), "not the same records again")
        try expect(again.allSatisfy { $0.record.deliveryCount == 2 }, "redelivery count: \(again.map(\.record.deliveryCount))")
        await consumer.close()
    }

    /// A record id published twice is stored once; the repeat reports the first copy.
    public func idempotentPublish() async throws {
        let bus = try await harness.connect()
        defer { Task { await bus.close() } }
        let topic = unique("idem")
        try await bus.createTopic(TopicSpec(name: topic, partitions: 2))
        let first = try await publish(bus, [BusRecord(topic: topic, key: "k", value: [1], recordID: "msg-1")])[0]
        let second = try await publish(bus, [BusRecord(topic: topic, key: "k", value: [1], recordID: "msg-1")])[0]
        let third = try await publish(bus, [BusRecord(topic: topic, key: "k", value: [2], recordID: "msg-2")])[0]
        try expect(!first.duplicate && second.duplicate && !third.duplicate, "duplicate flags \(first) \(second) \(third)")
        try expect(second.offset == first.offset && second.partition == first.partition, "repeat not mapped to first copy")
        let consumer = try await bus.makeConsumer(topic: topic, group: unique("g"), options: options("solo"))
        let received = try await drain([consumer], count: 2)
        let more = try await consumer.poll(maxRecords: 10, timeout: pollTimeout)
        try expect(received.count + more.count == 2, "stored \(received.count + more.count) records, expected 2")
        try expect(received.map(\.record.recordID).sorted { ($0 ?? "") < ($1 ?? "") } == ["msg-1", "msg-2"], "record ids lost")
        await consumer.close()
    }

    /// Compare-and-set on tables, and a late watcher that sees the current state, deletes included.
    public func tableCompareAndSetAndWatch() async throws {
        let bus = try await harness.connect()
        defer { Task { await bus.close() } }
        let name = unique("table")
        try await bus.createTable(TableSpec(name: name))
        try expect(try await bus.createTable(TableSpec(name: name)) == false, "second create is not idempotent")
        let table = try await bus.table(name)
        let empty = try await table.watch()
        var emptyIterator = empty.makeAsyncIterator()
        let first = await emptyIterator.next()
        try expect(first == .caughtUp, "an empty table's watch starts with \(String(describing: first))")
        empty.cancel()
        let r1 = try await table.create("alice", Array("v1".utf8))
        try await expectError(.revisionMismatch) { _ = try await table.create("alice", [0]) }
        let r2 = try await table.update("alice", Array("v2".utf8), expectedRevision: r1)
        try expect(r2 > r1, "revision did not increase")
        try await expectError(.revisionMismatch) { _ = try await table.update("alice", [0], expectedRevision: r1) }
        try await table.put("bob", Array("b".utf8))
        try await table.delete("bob")
        try expect(try await table.get("bob") == nil, "deleted key still readable")
        try expect(try await table.get("alice")?.value == Array("v2".utf8), "get after CAS")
        try await expectError(.invalidTableKey) { _ = try await table.put("bad key", [0]) }
        // Bob can be created again after his delete.
        let watch = try await table.watch()
        var iterator = watch.makeAsyncIterator()
        var snapshot: [TableEvent] = []
        for _ in 0..<10 {
            guard let event = await iterator.next() else { break }
            if event == .caughtUp { break }
            snapshot.append(event)
        }
        try expect(snapshot.count == 2, "snapshot \(snapshot)")
        try expect(snapshot.contains(.put(TableEntry(key: "alice", value: Array("v2".utf8), revision: r2))), "snapshot lacks alice: \(snapshot)")
        try expect(snapshot.contains { if case .deleted(key: "bob", _) = $0 { true } else { false } }, "snapshot lacks bob's tombstone")
        let r3 = try await table.create("bob", Array("again".utf8))
        try await table.delete("alice")
        let live1 = await iterator.next()
        let live2 = await iterator.next()
        try expect(live1 == .put(TableEntry(key: "bob", value: Array("again".utf8), revision: r3)), "live put: \(String(describing: live1))")
        if case .deleted(key: "alice", let revision)? = live2 {
            try expect(revision > r3, "delete revision")
        } else {
            throw ConformanceFailure("live delete: \(String(describing: live2))")
        }
        watch.cancel()
    }

    /// A watch under a key prefix sees only the keys below it, in its snapshot and live; tombstones
    /// stay until purged, and `purgeDeletes` spares younger ones and live keys.
    public func tableWatchUnderPrefixAndPurgeDeletes() async throws {
        let bus = try await harness.connect()
        defer { Task { await bus.close() } }
        let name = unique("table")
        try await bus.createTable(TableSpec(name: name))
        let table = try await bus.table(name)
        let a1 = try await table.put("p1.a", Array("a".utf8))
        try await table.put("p1.b", Array("b".utf8))
        try await table.put("p11.c", Array("c".utf8))
        try await table.put("p2.d", Array("d".utf8))
        try await table.put("p1", Array("top".utf8))
        try await table.delete("p1.b")
        try await expectError(.invalidTableKey) { _ = try await table.watch(under: "bad key") }
        // A prefix nothing is stored under: caught up at once.
        let none = try await table.watch(under: "p9")
        var noneIterator = none.makeAsyncIterator()
        let firstOfNone = await noneIterator.next()
        try expect(firstOfNone == .caughtUp, "an empty prefix's watch starts with \(String(describing: firstOfNone))")
        none.cancel()

        func snapshot(_ watch: TableWatch) async -> [TableEvent] {
            var iterator = watch.makeAsyncIterator()
            var events: [TableEvent] = []
            for _ in 0..<20 {
                guard let event = await iterator.next(), event != .caughtUp else { break }
                events.append(event)
            }
            return events
        }
        let watch = try await table.watch(under: "p1")
        var iterator = watch.makeAsyncIterator()
        var first: [TableEvent] = []
        for _ in 0..<20 {
            guard let event = await iterator.next(), event != .caughtUp else { break }
            first.append(event)
        }
        try expect(first.count == 2, "snapshot under p1: \(first)")
        try expect(first.contains(.put(TableEntry(key: "p1.a", value: Array("a".utf8), revision: a1))), "lacks p1.a: \(first)")
        try expect(first.contains { if case .deleted(key: "p1.b", _) = $0 { true } else { false } }, "lacks p1.b's tombstone")
        try await table.put("p2.e", Array("e".utf8))
        try await table.put("p11.f", Array("f".utf8))
        let live = try await table.put("p1.g", Array("g".utf8))
        let next = await iterator.next()
        try expect(next == .put(TableEntry(key: "p1.g", value: Array("g".utf8), revision: live)), "live under p1: \(String(describing: next))")
        watch.cancel()

        try await table.purgeDeletes(olderThan: .seconds(3600))
        let kept = await snapshot(try await table.watch(under: "p1"))
        try expect(kept.contains { if case .deleted(key: "p1.b", _) = $0 { true } else { false } }, "a young tombstone was purged")
        try await table.purgeDeletes(olderThan: .zero)
        let purged = await snapshot(try await table.watch(under: "p1"))
        try expect(Set(purged.compactMap { if case .put(let entry) = $0 { entry.key } else { nil } }) == ["p1.a", "p1.g"], "after purge: \(purged)")
        try expect(!purged.contains { if case .deleted = $0 { true } else { false } }, "tombstone survived the purge: \(purged)")
        try expect(try await table.get("p2.d")?.value == Array("d".utf8), "purge touched a live key")
        let recreated = try await table.create("p1.b", Array("again".utf8))
        try expect(recreated > live, "revision after purge")
    }

    /// With the broker stalled, `maxInFlight` sends return and the next one waits; all complete after.
    public func backPressureAtInFlightBound() async throws {
        let bus = try await harness.connect()
        defer { Task { await bus.close() } }
        let topic = unique("pressure")
        try await bus.createTopic(TopicSpec(name: topic, partitions: 1))
        let producer = try await bus.makeProducer(options: ProducerOptions(maxInFlight: 4))
        try await harness.stallBroker()
        var receipts: [PublishReceipt] = []
        do {
            for index in 0..<4 { receipts.append(try await producer.send(BusRecord(topic: topic, key: "k", value: [UInt8(index)]))) }
            try expect(producer.inFlight == 4, "in flight \(producer.inFlight), expected 4")
            let fifthSent = Atomic<Bool>(false)
            let fifth = Task {
                let receipt = try await producer.send(BusRecord(topic: topic, key: "k", value: [4]))
                fifthSent.store(true, ordering: .sequentiallyConsistent)
                return try await receipt.accepted()
            }
            for _ in 0..<20 { await Task.yield() }
            try await Task.sleep(for: .milliseconds(200))
            try expect(!fifthSent.load(ordering: .sequentiallyConsistent), "a fifth send passed a full window")
            try expect(producer.inFlight == 4, "window exceeded: \(producer.inFlight)")
            try await harness.resumeBroker()
            let fifthAck = try await fifth.value
            var offsets: [UInt64] = []
            for receipt in receipts { offsets.append(try await receipt.accepted().offset) }
            offsets.append(fifthAck.offset)
            try expect(offsets == offsets.sorted() && Set(offsets).count == 5, "offsets \(offsets)")
            try await producer.flush()
            try expect(producer.inFlight == 0, "in flight after flush: \(producer.inFlight)")
        } catch {
            try? await harness.resumeBroker()
            throw error
        }
        await producer.close()
    }

    /// Oversized records, unknown topics and bad names are typed errors.
    public func badInput() async throws {
        let bus = try await harness.connect()
        defer { Task { await bus.close() } }
        let topic = unique("limits")
        try await bus.createTopic(TopicSpec(name: topic, partitions: 1, maxRecordBytes: 1024))
        let producer = try await bus.makeProducer(options: ProducerOptions())
        try await expectError(.recordTooLarge) {
            _ = try await producer.publish(BusRecord(topic: topic, key: "k", value: [UInt8](repeating: 0, count: 2048)))
        }
        _ = try await producer.publish(BusRecord(topic: topic, key: "k", value: [UInt8](repeating: 0, count: 1024)))
        try await expectError(.unknownTopic) { _ = try await producer.publish(BusRecord(topic: unique("none"), key: "k", value: [1])) }
        try await expectError(.invalidTopicName) { _ = try await bus.createTopic(TopicSpec(name: "bad topic", partitions: 1)) }
        try await expectError(.invalidPartitionCount) { _ = try await bus.createTopic(TopicSpec(name: unique("p"), partitions: 0)) }
        try await expectError(.topicMismatch) { _ = try await bus.createTopic(TopicSpec(name: topic, partitions: 2)) }
        try expect(try await bus.createTopic(TopicSpec(name: topic, partitions: 1, maxRecordBytes: 1024)) == false, "re-create not idempotent")
        await producer.close()
    }
}
