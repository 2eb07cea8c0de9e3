import P2PBus

/// When a RECEIVER or DB_SINK stops: after `records` consumed records, after `duration`, or when its
/// task is cancelled, whichever comes first. Without either bound it runs until cancelled.
public struct RunLimit: Sendable {
    public var records: Int?
    public var duration: Duration?
    /// How long one poll waits for the first record.
    public var pollTimeout: Duration

    public init(records: Int? = nil, duration: Duration? = nil, pollTimeout: Duration = .milliseconds(200)) {
        self.records = records
        self.duration = duration
        self.pollTimeout = pollTimeout
    }
}

/// The poll loop both consumers share: polls batches of at most `batchSize` records until `limit`
/// says stop, hands each batch to `handle`, then acknowledges it. A batch is only acknowledged after
/// `handle` returned, so records of a batch that failed are delivered again.
func pollLoop(
    _ consumer: any BusConsumer, batchSize: Int, limit: RunLimit, handle: ([ConsumedRecord]) async throws -> Void
) async throws -> Int {
    let deadline = limit.duration.map { ContinuousClock.now + $0 }
    var consumed = 0
    while !Task.isCancelled {
        if let records = limit.records, consumed >= records { break }
        if let deadline, ContinuousClock.now >= deadline { break }
        let wanted = limit.records.map { min(batchSize, $0 - consumed) } ?? batchSize
        let batch = try await consumer.poll(maxRecords: wanted, timeout: limit.pollTimeout)
        guard !batch.isEmpty else { continue }
        try await handle(batch)
        try await consumer.ack(batch)
        consumed += batch.count
    }
    return consumed
}
