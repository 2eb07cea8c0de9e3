public import P2PBus
public import P2PWire
import Synchronization

/// Publishes the routed frames of one batch. Returns only once the bus has durably accepted every
/// record; throws if any record was refused or failed.
public protocol InboundPublisher: Sendable {
    func publish(_ records: [InboundRecord]) async throws
}

/// Publishes to `link.in` (or another topic) through a bus producer: every record is sent (so they
/// are in flight together, bounded by the producer's window), then every acceptance is awaited.
public struct BusInboundPublisher: InboundPublisher {
    public static let defaultTopic = "link.in"
    public let producer: any BusProducer
    public let topic: String

    public init(producer: any BusProducer, topic: String = BusInboundPublisher.defaultTopic) {
        self.producer = producer
        self.topic = topic
    }

    public func publish(_ records: [InboundRecord]) async throws {
        var receipts: [PublishReceipt] = []
        receipts.reserveCapacity(records.count)
        for record in records {
            receipts.append(
                try await producer.send(
                    BusRecord(topic: topic, key: record.key, value: record.value, partition: record.partition)))
        }
        for receipt in receipts { _ = try await receipt.accepted() }
    }
}

/// The session id → `link.in` partitions mapping (`session.out.partitions`) as the gateway last saw
/// it. Updated by whoever watches the table; read by the server on every batch.
public final class SessionPartitionsDirectory: Sendable {
    /// Sessions kept at most; an update past it is refused (the table reader holds the full state).
    public static let maximumSessions = 1_000_000
    private let map = Mutex<[SessionID: [Int]]>([:])

    public init() {}

    public func partitions(for session: SessionID) -> [Int]? {
        map.withLock { $0[session] }
    }

    /// Sets (or with `nil` removes) the partitions of a session. Returns `false` when the directory is
    /// full and the session is new.
    @discardableResult
    public func set(_ partitions: [Int]?, for session: SessionID) -> Bool {
        map.withLock { map in
            guard let partitions else {
                map[session] = nil
                return true
            }
            guard map[session] != nil || map.count < Self.maximumSessions else { return false }
            map[session] = partitions
            return true
        }
    }
}
