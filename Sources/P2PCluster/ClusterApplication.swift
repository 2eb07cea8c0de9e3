public import P2PBus
public import P2PLinkManager
public import P2PLinkManagerService

/// An application attached to a cluster's bus: it writes `AppMessage`s to `p2p.out`, reads
/// `p2p.in` and the delivery-status topic (each as its own consumer group).
public final class ClusterApplication: Sendable {
    public let topics: LinkManagerTopics
    private let producer: any BusProducer
    private let inbox: any BusConsumer
    private let statusConsumer: any BusConsumer

    /// `name`: the consumer-group and member name (`A–Z a–z 0–9 - _`).
    public init(bus: any MessageBus, name: String, topics: LinkManagerTopics = .init()) async throws {
        self.topics = topics
        producer = try await bus.makeProducer(options: ProducerOptions(maxInFlight: 4096))
        inbox = try await bus.makeConsumer(topic: topics.p2pIn, group: "\(name)-inbox", options: ConsumerOptions(memberID: name))
        statusConsumer = try await bus.makeConsumer(
            topic: topics.deliveryStatus, group: "\(name)-status", options: ConsumerOptions(memberID: name))
    }

    /// Puts a message in flight to `p2p.out`; await the receipt's acceptance for durability.
    public func send(_ message: AppMessage, key: [UInt8]) async throws -> PublishReceipt {
        try await producer.send(BusRecord(topic: topics.p2pOut, key: key, value: try message.encoded()))
    }

    /// Messages delivered to this cluster, waiting up to `timeout` for the first; acknowledged.
    public func receive(maximum: Int = 1024, timeout: Duration) async throws -> [AppMessage] {
        let records = try await inbox.poll(maxRecords: maximum, timeout: timeout)
        guard !records.isEmpty else { return [] }
        try await inbox.ack(records)
        return try records.map { record throws -> AppMessage in try AppMessage(decoding: record.value) }
    }

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
