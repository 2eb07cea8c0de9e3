public import P2PBus
public import P2PLinkManager
public import P2PLinkManagerService
import Synchronization

/// An application attached to a cluster's bus: it writes `AppMessage`s to `p2p.out`, reads
/// `p2p.in` and the delivery-status topic (each as its own consumer group).
///
/// `p2p.in` is consumed at least once: a record whose acknowledgement the bus server lost (a server
/// killed before it persisted its consumer state) is delivered again. ``receive(maximum:timeout:)``
/// therefore drops a record whose record id it handed out among the last
/// ``RedeliveryFilter/defaultCapacity`` records (docs/app-records.md, "Exactly once on `p2p.in`").
public final class ClusterApplication: Sendable {
    /// Copies ``receive(maximum:timeout:)`` dropped since the application connected.
    public struct Counters: Sendable, Hashable {
        /// The same `p2p.in` record delivered again (same partition and offset): its acknowledgement was lost.
        public var redeliveries = 0
        /// Another `p2p.in` record with the same record id (the topic stored the message twice).
        public var storedCopies = 0

        public init(redeliveries: Int = 0, storedCopies: Int = 0) {
            self.redeliveries = redeliveries
            self.storedCopies = storedCopies
        }
    }

    public let topics: LinkManagerTopics
    private let producer: any BusProducer
    private let inbox: any BusConsumer
    private let statusConsumer: any BusConsumer
    private let filter: Mutex<(filter: RedeliveryFilter, counters: Counters)>

    /// `name`: the consumer-group and member name (`A–Z a–z 0–9 - _`). `redeliveryWindow`: how many
    /// of the latest record ids ``receive(maximum:timeout:)`` remembers to drop their copies.
    public init(
        bus: any MessageBus, name: String, topics: LinkManagerTopics = .init(),
        redeliveryWindow: Int = RedeliveryFilter.defaultCapacity
    ) async throws {
        let filter = try RedeliveryFilter(capacity: redeliveryWindow)
        self.topics = topics
        self.filter = Mutex((filter, Counters()))
        producer = try await bus.makeProducer(options: ProducerOptions(maxInFlight: 4096))
        inbox = try await bus.makeConsumer(topic: topics.p2pIn, group: "\(name)-inbox", options: ConsumerOptions(memberID: name))
        statusConsumer = try await bus.makeConsumer(
            topic: topics.deliveryStatus, group: "\(name)-status", options: ConsumerOptions(memberID: name))
    }

    /// Puts a message in flight to `p2p.out`; await the receipt's acceptance for durability.
    public func send(_ message: AppMessage, key: [UInt8]) async throws -> PublishReceipt {
        try await producer.send(BusRecord(topic: topics.p2pOut, key: key, value: try message.encoded()))
    }

    /// Messages delivered to this cluster, waiting up to `timeout` for the first; acknowledged. A
    /// record whose record id was handed out recently is acknowledged and dropped (``counters``).
    /// May return an empty array before `timeout` when every record polled was such a copy.
    public func receive(maximum: Int = 1024, timeout: Duration) async throws -> [AppMessage] {
        let records = try await inbox.poll(maxRecords: maximum, timeout: timeout)
        guard !records.isEmpty else { return [] }
        let messages = try records.map { record throws -> AppMessage in try AppMessage(decoding: record.value) }
        try await inbox.ack(records)
        return filter.withLock { state in
            var fresh: [AppMessage] = []
            fresh.reserveCapacity(messages.count)
            for (record, message) in zip(records, messages) {
                switch state.filter.admit(recordID: record.recordID, partition: record.partition, offset: record.offset) {
                case .first: fresh.append(message)
                case .redelivered: state.counters.redeliveries += 1
                case .storedAgain: state.counters.storedCopies += 1
                }
            }
            return fresh
        }
    }

    /// Copies dropped by ``receive(maximum:timeout:)`` so far.
    public var counters: Counters { filter.withLock { $0.counters } }

    /// Delivery statuses of messages this cluster sent, waiting up to `timeout` for the first.
    public func statuses(maximum: Int = 1024, timeout: Duration) async throws -> [DeliveryStatus] {
        let records = try await statusConsumer.poll(maxRecords: maximum, timeout: timeout)
        guard !records.isEmpty else { return [] }
        try await statusConsumer.ack(records)
        return try records.map { record throws -> DeliveryStatus in try DeliveryStatus(decoding: record.value) }
    }

    public func close() async {
        await producer.close()
        await inbox.close()
        await statusConsumer.close()
    }
}

extension ClusterApplication {
    /// The record ids of the latest `capacity` `p2p.in` records handed to the application, with
    /// where each was stored: a record with a remembered id is a copy. Oldest ids are forgotten
    /// first. Records without a record id (unauthenticated messages) are always admitted.
    public struct RedeliveryFilter: Sendable {
        public enum Verdict: Sendable, Hashable {
            /// Not seen among the remembered ids: hand it to the application.
            case first
            /// The same partition and offset again: the bus redelivered it (acknowledgement lost).
            case redelivered
            /// The same record id at another position: the topic holds the message twice.
            case storedAgain
        }

        /// 65 536 ids of at most 66 bytes: a few MiB, about five minutes at 200 messages a second.
        public static let defaultCapacity = 65_536
        public static let maximumCapacity = 1_048_576

        public let capacity: Int
        private var positions: [String: Position] = [:]
        /// Remembered ids in arrival order, a ring of `capacity` slots; `next` is the oldest once full.
        private var ring: [String] = []
        private var next = 0

        private struct Position: Hashable {
            let partition: Int
            let offset: UInt64
        }

        public init(capacity: Int = defaultCapacity) throws {
            guard (1...Self.maximumCapacity).contains(capacity) else {
                throw BusError(.invalidOption, "redelivery window \(capacity) outside 1…\(Self.maximumCapacity)")
            }
            self.capacity = capacity
        }

        public var count: Int { positions.count }

        public mutating func admit(recordID: String?, partition: Int, offset: UInt64) -> Verdict {
            guard let recordID else { return .first }
            let position = Position(partition: partition, offset: offset)
            if let first = positions[recordID] { return first == position ? .redelivered : .storedAgain }
            if ring.count < capacity {
                ring.append(recordID)
            } else {
                positions[ring[next]] = nil
                ring[next] = recordID
                next = (next + 1) % capacity
            }
            positions[recordID] = position
            return .first
        }
    }
}
