import CNATS
import P2PBus

/// The state of one JetStream group member: its leases, its bound subscriptions, its heartbeat.
actor JetStreamConsumerCore {
    /// Records fetched per request, at most.
    static let maximumBatch = 1024
    /// A poll with nothing to fetch waits in slices of at most this, to keep heart-beating.
    static let waitSlice: Duration = .milliseconds(100)

    let bus: JetStreamBus
    let nats: NATSConnection
    let topic: String
    let info: JetStreamBus.TopicInfo
    let group: String
    let options: ConsumerOptions
    let bucket: KVBucket
    private(set) var held: [Int: UInt64] = [:]
    private var subscriptions: [Int: PullSubscription] = [:]
    private var lastTick: Duration?
    private var roundRobin = 0
    private var closed = false

    init(bus: JetStreamBus, topic: String, info: JetStreamBus.TopicInfo, group: String, options: ConsumerOptions, bucket: KVBucket) {
        self.bus = bus
        self.nats = bus.nats
        self.topic = topic
        self.info = info
        self.group = group
        self.options = options
        self.bucket = bucket
    }

    private var member: String { options.memberID }
    private func durable(_ partition: Int) -> String { TopicSpec.engineName(for: "\(group)_p\(partition)") }

    // MARK: Leases

    /// Heart-beats, reads the group's bucket, and releases/takes leases as `LeasePlanner` says.
    func tick(force: Bool) async throws(BusError) {
        let now = bus.nats.configuration.clock.now()
        if !force, let lastTick, now - lastTick < options.heartbeatInterval { return }
        lastTick = now
        let bucket = self.bucket
        let member = self.member
        let nowMillis = now.milliseconds
        let timeoutMillis = options.sessionTimeout.milliseconds
        let (live, leases) = try await Blocking.run { () throws(BusError) -> (Set<String>, [Int: LeasePlanner.Lease]) in
            _ = try bucket.putBlocking("m.\(member)", Array(String(nowMillis).utf8))
            var list = kvKeysList()
            let status = kvStore_Keys(&list, bucket.store, nil)
            defer { kvKeysList_Destroy(&list) }
            guard status == NATS_OK else { throw BusError(.serverError, "group keys: \(lastNATSError(status))") }
            var live: Set<String> = [member]
            var leases: [Int: LeasePlanner.Lease] = [:]
            for index in 0..<Int(list.Count) {
                guard let raw = list.Keys[index] else { continue }
                let key = String(cString: raw)
                guard let entry = try bucket.getBlocking(key) else { continue }
                let value = String(decoding: entry.value, as: UTF8.self)
                if key.hasPrefix("m.") {
                    if let beat = Int64(value), nowMillis - beat < timeoutMillis { live.insert(String(key.dropFirst(2))) }
                } else if key.hasPrefix("p."), let partition = Int(key.dropFirst(2)) {
                    leases[partition] = .init(owner: value, revision: entry.revision)
                }
            }
            return (live, leases)
        }
        if closed { return }
        let plan = LeasePlanner.plan(member: member, live: live, partitions: info.partitions, leases: leases, held: held)
        let revoked = (plan.lost + plan.release.map(\.partition)).sorted()
        for partition in revoked {
            held.removeValue(forKey: partition)
            subscriptions.removeValue(forKey: partition)
        }
        if !revoked.isEmpty { options.onAssignment?(.revoked(revoked)) }
        for (partition, revision) in plan.release {
            _ = try? await Blocking.run { () throws(BusError) in
                try bucket.conditionalPutBlocking("p.\(partition)", [], expected: revision)
            }
        }
        var assigned: [Int] = []
        for (partition, expected) in plan.take {
            let revision: UInt64
            do {
                revision = try await Blocking.run { () throws(BusError) in
                    try bucket.conditionalPutBlocking("p.\(partition)", Array(member.utf8), expected: expected)
                }
            } catch where error.code == .revisionMismatch {
                continue  // someone else moved first; the next tick re-reads
            }
            held[partition] = revision
            do {
                subscriptions[partition] = try await bind(partition)
                assigned.append(partition)
            } catch {
                held.removeValue(forKey: partition)
                _ = try? await Blocking.run { () throws(BusError) in
                    try bucket.conditionalPutBlocking("p.\(partition)", [], expected: revision)
                }
                throw error
            }
        }
        if !assigned.isEmpty { options.onAssignment?(.assigned(assigned)) }
    }

    /// Creates (idempotently) the partition's durable pull consumer and binds a subscription to it.
    private func bind(_ partition: Int) async throws(BusError) -> PullSubscription {
        let nats = self.nats
        let stream = info.stream
        let durable = self.durable(partition)
        let subject = "\(topic).\(partition)"
        let options = self.options
        return try await Blocking.run { () throws(BusError) -> PullSubscription in
            let arena = CStringArena()
            var config = jsConsumerConfig()
            jsConsumerConfig_Init(&config)
            config.Durable = arena.string(durable)
            config.FilterSubject = arena.string(subject)
            config.AckPolicy = js_AckExplicit
            config.DeliverPolicy = js_DeliverAll
            config.AckWait = options.ackWait.nanoseconds
            config.MaxAckPending = Int64(options.maxUnacked)
            var consumerInfo: UnsafeMutablePointer<jsConsumerInfo>?
            var errorCode = jsErrCode(0)
            // Fails harmlessly when the durable exists with another ack wait: we bind to it anyway.
            let created = js_AddConsumer(&consumerInfo, nats.context, stream, &config, nil, &errorCode)
            // 2.9 ignores fields it does not know: check that the filter we rely on was applied.
            let echoed = consumerInfo?.pointee.Config?.pointee.FilterSubject.map { String(cString: $0) }
            jsConsumerInfo_Destroy(consumerInfo)
            if created == NATS_OK, echoed != subject {
                throw BusError(.serverError, "durable \(durable) came back filtered on \(echoed ?? "nothing"), not \(subject)")
            }
            var subscriptionOptions = jsSubOptions()
            jsSubOptions_Init(&subscriptionOptions)
            subscriptionOptions.Stream = arena.string(stream)
            subscriptionOptions.Consumer = arena.string(durable)
            subscriptionOptions.ManualAck = true
            var subscription: OpaquePointer?
            let status = js_PullSubscribe(&subscription, nats.context, subject, durable, nil, &subscriptionOptions, &errorCode)
            guard status == NATS_OK, let subscription else {
                throw BusError(.serverError, "bind \(durable): \(lastNATSError(status)) (\(errorCode.rawValue))")
            }
            return PullSubscription(subscription, partition: partition)
        }
    }

    // MARK: Delivery

    /// The shortest expiry a fetch request asks for: the server's answer must have time to arrive.
    static let minimumFetchWait: Duration = .milliseconds(5)

    func poll(maxRecords: Int, timeout: Duration) async throws(BusError) -> [ConsumedRecord] {
        if closed { throw BusError(.closed, "consumer \(member)") }
        try bus.checkOpen()
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        let batch = min(maxRecords, Self.maximumBatch)
        while true {
            try await tick(force: held.isEmpty)
            if closed { throw BusError(.closed, "consumer \(member)") }
            guard batch > 0 else { return [] }  // a poll for nothing still heart-beats and rebalances
            let owned = subscriptions.values.sorted { $0.partition < $1.partition }
            let remaining = deadline - clock.now
            if owned.isEmpty {
                if remaining <= .zero { return [] }
                try? await Task.sleep(for: min(remaining, Self.waitSlice))
                continue
            }
            roundRobin &+= 1
            // One fetch per owned partition, all at once: the server answers each as soon as its
            // partition holds a record, and an empty one after `wait`, so a poll costs one slice at
            // most whatever the number of partitions (fetched one after another, every empty
            // partition would cost a whole request expiry).
            let wait = max(Self.minimumFetchWait, min(remaining, Self.waitSlice))
            let result = await Self.fetch(Self.shares(of: batch, over: owned, start: roundRobin), topic: topic, wait: wait)
            if !result.isEmpty || clock.now >= deadline { return result }
        }
    }

    /// Splits `batch` records over the partitions, starting at `start` (rotating, so that no
    /// partition is starved when `batch` is smaller than their number).
    static func shares<Partition>(of batch: Int, over owned: [Partition], start: Int) -> [(Partition, Int)] {
        let count = min(owned.count, batch)
        guard count > 0 else { return [] }
        return (0..<count).map { index in
            (owned[(start + index) % owned.count], batch / count + (index < batch % count ? 1 : 0))
        }
    }

    /// Fetches the partitions concurrently (each on a blocking thread) and returns their records in
    /// partition order.
    private static func fetch(_ shares: [(PullSubscription, Int)], topic: String, wait: Duration) async -> [ConsumedRecord] {
        await withTaskGroup(of: (Int, [ConsumedRecord]).self) { group in
            for (subscription, count) in shares {
                group.addTask { (subscription.partition, await fetch(subscription, count: count, topic: topic, wait: wait)) }
            }
            var fetched: [(Int, [ConsumedRecord])] = []
            for await part in group where !part.1.isEmpty { fetched.append(part) }
            return fetched.sorted { $0.0 < $1.0 }.flatMap(\.1)
        }
    }

    /// A pull request that returns as soon as the partition holds records (`no_wait` with an expiry:
    /// nats-server waits at most `wait` for the first one), with `count` records at most.
    private static func fetch(_ subscription: PullSubscription, count: Int, topic: String, wait: Duration) async -> [ConsumedRecord] {
        await Blocking.run { () -> [ConsumedRecord] in
            var request = jsFetchRequest()
            jsFetchRequest_Init(&request)
            request.Batch = Int32(count)
            request.NoWait = true
            request.Expires = wait.nanoseconds
            var list = natsMsgList()
            let status = natsSubscription_FetchRequest(&list, subscription.subscription, &request)
            defer { natsMsgList_Destroy(&list) }
            guard status == NATS_OK, list.Count > 0 else { return [] }
            var records: [ConsumedRecord] = []
            records.reserveCapacity(Int(list.Count))
            for index in 0..<Int(list.Count) {
                guard let message = list.Msgs[index] else { continue }
                if let record = Self.record(message, topic: topic, partition: subscription.partition) { records.append(record) }
            }
            return records
        }
    }

    static func record(_ message: OpaquePointer, topic: String, partition: Int) -> ConsumedRecord? {
        guard let reply = natsMsg_GetReply(message), let (delivered, sequence) = NATSMessage.ackMetadata(reply) else { return nil }
        let (key, value, recordID) = NATSMessage.fields(message)
        return ConsumedRecord(
            topic: topic, partition: partition, offset: sequence, key: key, value: value, recordID: recordID,
            deliveryCount: delivered, ackToken: .replySubject(String(cString: reply)))
    }

    func ack(_ records: [ConsumedRecord]) throws(BusError) {
        if closed { throw BusError(.closed, "consumer \(member)") }
        for record in records {
            guard case .replySubject(let reply) = record.ackToken else { continue }
            let status = natsConnection_Publish(nats.connection, reply, "+ACK", 4)
            guard status == NATS_OK else { throw BusError(.serverError, "ack: \(lastNATSError(status))") }
        }
    }

    /// Leaves the group: revokes, releases every lease and removes the heartbeat.
    func close() async {
        guard !closed else { return }
        closed = true
        let releasing = held
        held = [:]
        subscriptions = [:]
        if !releasing.isEmpty { options.onAssignment?(.revoked(releasing.keys.sorted())) }
        let bucket = self.bucket
        let member = self.member
        await Blocking.run {
            for (partition, revision) in releasing {
                _ = try? bucket.conditionalPutBlocking("p.\(partition)", [], expected: revision)
            }
            _ = try? bucket.deleteBlocking("m.\(member)")
        }
        _ = natsConnection_FlushTimeout(nats.connection, 1000)
    }
}
