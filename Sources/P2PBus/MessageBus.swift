/// The bus: topics with partitions, consumer groups, and compacted tables.
///
/// Two implementations: `InProcessBus` (embedded, in memory) and `JetStreamBus` (NATS JetStream).
/// Both pass the same conformance suite; see `docs/bus.md` for the semantics.
public protocol MessageBus: Sendable {
    /// Creates a topic, or checks that the existing one has the same partition count.
    /// Returns `true` when it was created now.
    @discardableResult
    func createTopic(_ spec: TopicSpec) async throws -> Bool
    /// Creates a table if it does not exist. Returns `true` when it was created now.
    @discardableResult
    func createTable(_ spec: TableSpec) async throws -> Bool
    /// The partition count of an existing topic.
    func partitionCount(of topic: String) async throws -> Int
    /// A producer with its own bounded in-flight window.
    func makeProducer(options: ProducerOptions) async throws -> any BusProducer
    /// Joins consumer group `group` on `topic` as `options.memberID`.
    func makeConsumer(topic: String, group: String, options: ConsumerOptions) async throws -> any BusConsumer
    /// An existing table.
    func table(_ name: String) async throws -> any BusTable
    /// Releases every resource; later calls fail with `BusError.Code.closed`.
    func close() async
}

/// Publishes records with a bounded window of records in flight.
public protocol BusProducer: Sendable {
    /// Puts `record` in flight and returns; suspends first while `maxInFlight` records are in flight.
    /// Validation errors (unknown topic, record too large…) are thrown here.
    func send(_ record: BusRecord) async throws -> PublishReceipt
    /// Records sent and not yet accepted or failed.
    var inFlight: Int { get }
    /// Waits until every record sent so far is accepted or failed.
    func flush() async throws
    /// Flushes, then releases the producer.
    func close() async
}

extension BusProducer {
    /// `send` then wait for durable acceptance.
    @discardableResult
    public func publish(_ record: BusRecord) async throws -> PublishAck {
        try await send(record).accepted()
    }
}

/// A member of a consumer group.
public protocol BusConsumer: Sendable {
    var memberID: String { get }
    /// Records from this member's partitions, at most `maxRecords`, waiting up to `timeout` for the
    /// first. Polling is this member's heartbeat.
    func poll(maxRecords: Int, timeout: Duration) async throws -> [ConsumedRecord]
    /// Acknowledges delivered records; unacknowledged ones are delivered again.
    func ack(_ records: [ConsumedRecord]) async throws
    /// The partitions this member owns now (sorted).
    func assignment() async -> [Int]
    /// Leaves the group: its partitions move to the other members.
    func close() async
}

extension BusConsumer {
    public func ack(_ record: ConsumedRecord) async throws {
        try await ack([record])
    }

    /// The member's records as an async sequence, polled in batches of `batch`; ends when the
    /// consumer is closed. Nothing is read ahead beyond one batch.
    public func records(batch: Int = 100, pollTimeout: Duration = .seconds(1)) -> ConsumedRecords {
        ConsumedRecords(consumer: self, batch: batch, pollTimeout: pollTimeout)
    }
}

/// A compacted key → value table with revisions and a watch.
public protocol BusTable: Sendable {
    var name: String { get }
    func get(_ key: String) async throws -> TableEntry?
    /// Stores `value`; returns the new revision.
    @discardableResult
    func put(_ key: String, _ value: [UInt8]) async throws -> UInt64
    /// Stores only if `key` is absent or deleted, else throws `revisionMismatch`.
    @discardableResult
    func create(_ key: String, _ value: [UInt8]) async throws -> UInt64
    /// Stores only if the key's last revision is `expectedRevision` (compare-and-set).
    @discardableResult
    func update(_ key: String, _ value: [UInt8], expectedRevision: UInt64) async throws -> UInt64
    /// Writes a tombstone for `key`.
    func delete(_ key: String) async throws
    /// The current state (deletes included), then `.caughtUp`, then every change.
    func watch() async throws -> TableWatch
    /// ``watch()`` restricted to the keys whose leading dot-separated tokens are `prefix`
    /// (`p3` matches `p3.x`, not `p31.x`); `prefix` is itself a valid key.
    func watch(under prefix: String) async throws -> TableWatch
    /// Removes the tombstones written at least `age` ago (all of them for `.zero`): later watches
    /// no longer report those keys.
    func purgeDeletes(olderThan age: Duration) async throws
}
