/// One partition of an in-process topic: records by offset, the oldest dropped beyond a bound.
struct PartitionLog: Sendable {
    struct Stored: Sendable {
        let key: [UInt8]
        let value: [UInt8]
        let recordID: String?
    }

    let capacity: Int
    /// Offset of `records[head]`.
    private(set) var base: UInt64 = 0
    private var records: [Stored] = []
    private var head = 0

    init(capacity: Int) { self.capacity = capacity }

    /// One past the last offset.
    var end: UInt64 { base + UInt64(records.count - head) }

    mutating func append(_ record: Stored) -> UInt64 {
        if records.count - head >= capacity {
            head += 1
            base += 1
            if head > 1024, head * 2 > records.count {
                records.removeFirst(head)
                head = 0
            }
        }
        records.append(record)
        return end - 1
    }

    /// The record at `offset`, or `nil` if dropped or not yet written.
    func record(at offset: UInt64) -> Stored? {
        guard offset >= base, offset < end else { return nil }
        return records[head + Int(offset - base)]
    }
}

/// What one consumer group has delivered from one partition.
struct PartitionCursor: Sendable {
    enum Pending: Sendable {
        case delivered(at: Duration, count: Int)
        case awaitingRedelivery(count: Int)
    }

    /// The next offset never delivered to this group.
    var next: UInt64 = 0
    /// Delivered (or due again) and not acknowledged, by offset.
    var pending: [UInt64: Pending] = [:]
    /// Offsets due again, ascending; entries no longer awaiting redelivery are skipped.
    var redeliver: [UInt64] = []
    var redeliverHead = 0
    /// Delivered offsets in delivery order, for ack-wait expiry; acked entries are skipped.
    var deliveries: [(offset: UInt64, at: Duration)] = []
    var deliveriesHead = 0

    var unackedCount: Int { pending.count }

    /// Every unacknowledged delivery becomes due again (its partition moved to another member).
    mutating func requeueAll() {
        var due: [UInt64] = []
        for (offset, state) in pending {
            if case .delivered(_, let count) = state {
                pending[offset] = .awaitingRedelivery(count: count)
                due.append(offset)
            }
        }
        deliveries.removeAll()
        deliveriesHead = 0
        addDue(due)
    }

    /// Deliveries older than `ackWait` become due again.
    mutating func expireAckWait(now: Duration, ackWait: Duration) {
        var due: [UInt64] = []
        while deliveriesHead < deliveries.count {
            let (offset, at) = deliveries[deliveriesHead]
            if case .delivered(let deliveredAt, let count)? = pending[offset], deliveredAt == at {
                guard now - at >= ackWait else { break }
                pending[offset] = .awaitingRedelivery(count: count)
                due.append(offset)
            }
            deliveriesHead += 1
        }
        if deliveriesHead > 1024, deliveriesHead * 2 > deliveries.count {
            deliveries.removeFirst(deliveriesHead)
            deliveriesHead = 0
        }
        addDue(due)
    }

    private mutating func addDue(_ due: [UInt64]) {
        guard !due.isEmpty else { return }
        var remaining = Array(redeliver[redeliverHead...])
        remaining.append(contentsOf: due)
        remaining.sort()
        redeliver = remaining
        redeliverHead = 0
    }

    /// The next offset due for redelivery and its previous delivery count.
    mutating func popDue() -> (offset: UInt64, count: Int)? {
        while redeliverHead < redeliver.count {
            let offset = redeliver[redeliverHead]
            redeliverHead += 1
            if case .awaitingRedelivery(let count)? = pending[offset] { return (offset, count) }
        }
        if redeliverHead > 0 {
            redeliver.removeAll(keepingCapacity: true)
            redeliverHead = 0
        }
        return nil
    }

    mutating func markDelivered(_ offset: UInt64, count: Int, now: Duration) {
        pending[offset] = .delivered(at: now, count: count)
        deliveries.append((offset, now))
    }

    mutating func ack(_ offset: UInt64) {
        pending.removeValue(forKey: offset)
    }

    /// Delivers due redeliveries, then new records, up to `limit` in all and `maxUnacked` pending.
    mutating func deliver(
        from log: PartitionLog, topic: String, partition: Int, options: ConsumerOptions, now: Duration, limit: Int,
        into result: inout [ConsumedRecord]
    ) {
        expireAckWait(now: now, ackWait: options.ackWait)
        while result.count < limit, let (offset, count) = popDue() {
            guard let stored = log.record(at: offset) else {
                ack(offset)  // dropped by retention
                continue
            }
            markDelivered(offset, count: count + 1, now: now)
            result.append(Self.consumed(topic, partition, offset, stored, count + 1))
        }
        if next < log.base { next = log.base }
        while result.count < limit, unackedCount < options.maxUnacked, next < log.end {
            let offset = next
            next += 1
            markDelivered(offset, count: 1, now: now)
            result.append(Self.consumed(topic, partition, offset, log.record(at: offset)!, 1))
        }
    }

    private static func consumed(_ topic: String, _ partition: Int, _ offset: UInt64, _ stored: PartitionLog.Stored, _ count: Int) -> ConsumedRecord {
        ConsumedRecord(
            topic: topic, partition: partition, offset: offset, key: stored.key, value: stored.value,
            recordID: stored.recordID, deliveryCount: count, ackToken: .inProcess)
    }
}
