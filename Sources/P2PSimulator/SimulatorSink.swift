public import P2PBus

/// DB_SINK: consumes `p2p.app.received_msg` in the group `app-simulator-sink` and writes one row per
/// message into PostgreSQL, one insert per poll, acknowledging the records after the insert.
public enum SimulatorSink {
    public static let defaultGroup = "app-simulator-sink"
    public static let maximumBatchSize = 1000

    public struct Options: Sendable {
        public var memberID: String
        public var group = SimulatorSink.defaultGroup
        public var eventTopic = SimulatorTopics.receivedMessages
        public var batchSize: Int

        public init(memberID: String, batchSize: Int = 500) {
            self.memberID = memberID
            self.batchSize = batchSize
        }
    }

    public struct Report: Hashable, Sendable {
        /// Records consumed.
        public var records = 0
        /// Rows the database reported inserted.
        public var written = 0
        /// Events already in the table, or twice in one batch.
        public var duplicates = 0
        /// Values that were not received events.
        public var malformed = 0

        public init(records: Int = 0, written: Int = 0, duplicates: Int = 0, malformed: Int = 0) {
            self.records = records
            self.written = written
            self.duplicates = duplicates
            self.malformed = malformed
        }
    }

    public static func run(
        bus: any MessageBus, database: SimulatorDatabase, options: Options, limit: RunLimit,
        log: @Sendable (String) -> Void = { print($0) }
    ) async throws -> Report {
        guard (1...Self.maximumBatchSize).contains(options.batchSize) else {
            throw SimulatorError(.invalidOption, "batch size \(options.batchSize) not in 1…\(Self.maximumBatchSize)")
        }
        try await database.createSchema()
        let consumer = try await bus.makeConsumer(
            topic: options.eventTopic, group: options.group, options: ConsumerOptions(memberID: options.memberID))
        var report = Report()
        do {
            let consumed = try await pollLoop(consumer, batchSize: options.batchSize, limit: limit) { records in
                var batch = EventBatch()
                for record in records {
                    if let error = batch.add(record.value) {
                        log("skipped \(record.topic) p\(record.partition) @\(record.offset): \(error)")
                    }
                }
                let written = try await database.insert(batch)
                report.written += written
                report.duplicates += batch.duplicates + batch.events.count - written
                report.malformed += batch.malformed
            }
            report.records = consumed
        } catch {
            await consumer.close()
            throw error
        }
        await consumer.close()
        return report
    }
}
