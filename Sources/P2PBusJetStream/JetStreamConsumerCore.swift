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
    private var fetchers: [Int: PartitionFetcher] = [:]
    private let signal = FetchSignal()
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
            fetchers.removeValue(forKey: partition)?.stop()
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
                fetchers[partition] = PartitionFetcher(
                    subscription: try await bind(partition), connection: nats, topic: topic, wait: Self.waitSlice, signal: signal)
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

    func poll(maxRecords: Int, timeout: Duration) async throws(BusError) -> [ConsumedRecord] {
        if closed { throw BusError(.closed, "consumer \(member)") }
        try bus.checkOpen()
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        let batch = min(maxRecords, Self.maximumBatch)
        var waited = false
        while true {
            try await tick(force: held.isEmpty)
            if closed { throw BusError(.closed, "consumer \(member)") }
            guard batch > 0 else { return [] }  // a poll for nothing still heart-beats and rebalances
            let owned = fetchers.values.sorted { $0.partition < $1.partition }
            let remaining = deadline - clock.now
            if owned.isEmpty {
                if remaining <= .zero { return [] }
                try? await Task.sleep(for: min(remaining, Self.waitSlice))
                continue
            }
            roundRobin &+= 1
            var result: [ConsumedRecord] = []
            for index in 0..<owned.count where result.count < batch {
                result += owned[(roundRobin + index) % owned.count].take(batch - result.count)
            }
            // Once waited, a poll whose time is up returns what it has (every owned partition had a
            // request outstanding meanwhile).
            if !result.isEmpty || (waited && remaining <= .zero) {
                for fetcher in owned { fetcher.want(false) }
                return result
            }
            for fetcher in owned { fetcher.want(true) }
            // Wakes at the first records of any partition; in slices, to keep heart-beating.
            await signal.wait(timeout: max(Self.minimumWait, min(remaining, Self.waitSlice)))
            waited = true
        }
    }

    /// The shortest wait of a poll: its requests' answers must have time to arrive.
    static let minimumWait: Duration = .milliseconds(5)

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
        for fetcher in fetchers.values { fetcher.stop() }
        fetchers = [:]
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
