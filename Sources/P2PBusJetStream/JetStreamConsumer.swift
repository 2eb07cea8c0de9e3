import CNATS
import P2PBus

/// A pull subscription bound to one partition's durable consumer; the only owner of the handle.
final class PullSubscription: @unchecked Sendable {
    let subscription: OpaquePointer
    let partition: Int
    init(_ subscription: OpaquePointer, partition: Int) {
        self.subscription = subscription
        self.partition = partition
    }
    // Destroying a subscription bound to an existing durable removes interest only; the durable
    // consumer and its unacknowledged records stay on the server for the next owner.
    deinit { natsSubscription_Destroy(subscription) }
}

/// A consumer-group member on JetStream: partition leases in a KV bucket, one bound durable pull
/// consumer per owned partition.
final class JetStreamConsumer: BusConsumer {
    let memberID: String
    let core: JetStreamConsumerCore

    init(memberID: String, core: JetStreamConsumerCore) {
        self.memberID = memberID
        self.core = core
    }

    static func join(
        bus: JetStreamBus, topic: String, info: JetStreamBus.TopicInfo, group: String, options: ConsumerOptions
    ) async throws(BusError) -> JetStreamConsumer {
        let bucketName = TopicSpec.engineName(for: "grp_\(group)_\(info.stream)")
        // As replicated as the topic: the leases must survive what the records survive.
        _ = try await KVBucket.create(nats: bus.nats, bucket: bucketName, spec: TableSpec(name: bucketName, replicas: info.replicas))
        let bucket = try await KVBucket.open(nats: bus.nats, bucket: bucketName)
        let core = JetStreamConsumerCore(bus: bus, topic: topic, info: info, group: group, options: options, bucket: bucket)
        try await core.tick(force: true)
        return JetStreamConsumer(memberID: options.memberID, core: core)
    }

    func poll(maxRecords: Int, timeout: Duration) async throws -> [ConsumedRecord] {
        try await core.poll(maxRecords: maxRecords, timeout: timeout)
    }

    func ack(_ records: [ConsumedRecord]) async throws {
        try await core.ack(records)
    }

    func assignment() async -> [Int] {
        await core.held.keys.sorted()
    }

    func close() async {
        await core.close()
    }
}
