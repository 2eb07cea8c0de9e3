import Synchronization

/// The embedded bus: the same semantics as the JetStream bus, in memory, with no server.
///
/// Records of a crashed process are lost with it (there is nothing durable to recover from).
/// Every queue is bounded: partitions by `TopicSpec.maxRecordsPerPartition`, de-duplication ids by
/// `Configuration.maxDeduplicationIDs`, producers by their in-flight window, watchers by
/// `TableWatch.bufferCapacity`.
public final class InProcessBus: MessageBus {
    public struct Configuration: Sendable {
        /// Time for heartbeats, session timeouts, ack waits and de-duplication.
        public var clock: any BusClock
        /// Record ids remembered per topic for idempotent publish.
        public var maxDeduplicationIDs: Int
        public var maxTopics: Int
        public var maxTables: Int
        public var maxTableKeys: Int
        /// How often a waiting `poll` re-checks ack waits and session timeouts.
        public var pollRecheckInterval: Duration

        public init(
            clock: any BusClock = WallBusClock(), maxDeduplicationIDs: Int = 100_000, maxTopics: Int = 1024,
            maxTables: Int = 1024, maxTableKeys: Int = 1_000_000, pollRecheckInterval: Duration = .milliseconds(20)
        ) {
            self.clock = clock
            self.maxDeduplicationIDs = maxDeduplicationIDs
            self.maxTopics = maxTopics
            self.maxTables = maxTables
            self.maxTableKeys = maxTableKeys
            self.pollRecheckInterval = pollRecheckInterval
        }
    }

    let broker: InProcessBroker

    public init(configuration: Configuration = Configuration()) {
        broker = InProcessBroker(configuration: configuration)
    }

    @discardableResult
    public func createTopic(_ spec: TopicSpec) async throws -> Bool {
        try await broker.createTopic(spec)
    }

    @discardableResult
    public func createTable(_ spec: TableSpec) async throws -> Bool {
        try await broker.createTable(spec)
    }

    public func partitionCount(of topic: String) async throws -> Int {
        try await broker.spec(of: topic).partitions
    }

    public func makeProducer(options: ProducerOptions) async throws -> any BusProducer {
        try options.validate()
        if await broker.closed { throw BusError(.closed, "in-process bus") }
        return InProcessProducer(broker: broker, window: InFlightWindow(capacity: options.maxInFlight))
    }

    public func makeConsumer(topic: String, group: String, options: ConsumerOptions) async throws -> any BusConsumer {
        try ConsumerOptions.validateName(group)
        try options.validate()
        try await broker.join(topic: topic, group: group, options: options)
        return InProcessConsumer(broker: broker, topic: topic, group: group, options: options)
    }

    public func table(_ name: String) async throws -> any BusTable {
        guard try await broker.hasTable(name) else { throw BusError(.unknownTable, name) }
        return InProcessTable(broker: broker, name: name)
    }

    public func close() async {
        await broker.close()
    }

    /// Failure injection: the bus stops accepting records (they stay in flight) until
    /// `releaseAcceptance()`, as a stalled server would. Used to test back-pressure.
    public func holdAcceptance() async {
        await broker.holdAcceptance()
    }

    public func releaseAcceptance() async {
        await broker.releaseAcceptance()
    }
}

final class InProcessProducer: BusProducer {
    let broker: InProcessBroker
    let window: InFlightWindow
    private let closed = Mutex(false)

    init(broker: InProcessBroker, window: InFlightWindow) {
        self.broker = broker
        self.window = window
    }

    var inFlight: Int { window.inFlight }

    func send(_ record: BusRecord) async throws -> PublishReceipt {
        if closed.withLock({ $0 }) { throw BusError(.closed, "producer") }
        await window.acquire()
        let submitted: InProcessBroker.Submitted
        do {
            submitted = try await broker.submit(record)
        } catch {
            window.release()
            throw error
        }
        switch submitted {
        case .stored(let ack):
            window.release()
            return PublishReceipt(.success(ack))
        case .held(let promise):
            let window = self.window
            Task {
                _ = try? await promise.value()
                window.release()
            }
            return PublishReceipt(promise)
        }
    }

    func flush() async throws {
        await window.waitUntilEmpty()
    }

    func close() async {
        closed.withLock { $0 = true }
        await window.waitUntilEmpty()
    }
}

final class InProcessConsumer: BusConsumer {
    let broker: InProcessBroker
    let topic: String
    let group: String
    let options: ConsumerOptions
    private let closed = Mutex(false)

    init(broker: InProcessBroker, topic: String, group: String, options: ConsumerOptions) {
        self.broker = broker
        self.topic = topic
        self.group = group
        self.options = options
    }

    var memberID: String { options.memberID }

    func poll(maxRecords: Int, timeout: Duration) async throws -> [ConsumedRecord] {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        let recheck = broker.configuration.pollRecheckInterval
        while true {
            if closed.withLock({ $0 }) { throw BusError(.closed, "consumer \(memberID)") }
            let records = try await broker.poll(topic: topic, group: group, options: options, maxRecords: maxRecords)
            let remaining = deadline - clock.now
            if !records.isEmpty || remaining <= .zero { return records }
            await broker.waitForData(topic: topic, timeout: min(remaining, recheck))
        }
    }

    func ack(_ records: [ConsumedRecord]) async throws {
        if closed.withLock({ $0 }) { throw BusError(.closed, "consumer \(memberID)") }
        try await broker.ack(topic: topic, group: group, records: records)
    }

    func assignment() async -> [Int] {
        await broker.assignment(topic: topic, group: group, member: memberID)
    }

    func close() async {
        let wasClosed = closed.withLock { closed in
            defer { closed = true }
            return closed
        }
        if !wasClosed { await broker.leave(topic: topic, group: group, member: memberID) }
    }
}

struct InProcessTable: BusTable {
    let broker: InProcessBroker
    let name: String

    func get(_ key: String) async throws -> TableEntry? {
        try TableSpec.validateKey(key)
        return try await broker.get(table: name, key: key)
    }

    func put(_ key: String, _ value: [UInt8]) async throws -> UInt64 {
        try await broker.write(table: name, key: key, value: value, condition: .none)
    }

    func create(_ key: String, _ value: [UInt8]) async throws -> UInt64 {
        try await broker.write(table: name, key: key, value: value, condition: .absent)
    }

    func update(_ key: String, _ value: [UInt8], expectedRevision: UInt64) async throws -> UInt64 {
        try await broker.write(table: name, key: key, value: value, condition: .revision(expectedRevision))
    }

    func delete(_ key: String) async throws {
        _ = try await broker.write(table: name, key: key, value: nil, condition: .none)
    }

    func watch() async throws -> TableWatch {
        try await broker.watch(table: name, under: nil)
    }

    func watch(under prefix: String) async throws -> TableWatch {
        try TableSpec.validateKey(prefix)
        return try await broker.watch(table: name, under: prefix)
    }

    func purgeDeletes(olderThan age: Duration) async throws {
        try await broker.purgeDeletes(table: name, olderThan: age)
    }
}
