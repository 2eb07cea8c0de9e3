import CNATS
public import P2PBus
import Synchronization

/// The distributed bus: NATS JetStream 2.9 through the official C client (nats.c).
///
/// Topics are streams with one subject per partition, consumer groups are per-partition durable
/// pull consumers with leases in a KV bucket, tables are KV buckets. See `docs/bus.md`.
public final class JetStreamBus: MessageBus {
    public struct Configuration: Sendable {
        /// Attempts to connect at start, `connectBackoff` apart, before `BusError.Code.unreachable`.
        public var connectAttempts: Int
        public var connectTimeout: Duration
        public var connectBackoff: Duration
        /// Reconnect attempts after a lost connection (nats.c restores subscriptions).
        public var maxReconnects: Int
        public var reconnectWait: Duration
        /// Bytes nats.c buffers while reconnecting.
        public var reconnectBufferBytes: Int
        /// JetStream API requests (stream/consumer/KV operations) time out after this.
        public var requestTimeout: Duration
        /// A publish not acknowledged within this is sent again with the same `Nats-Msg-Id`.
        public var publishTimeout: Duration
        /// Sends of one record before its receipt fails with `publishFailed`.
        public var maxPublishAttempts: Int
        /// Wait before resending a publish that failed during a leader election; doubles with each
        /// attempt, up to 2 s (the defaults ride out about a minute without a stream leader).
        public var publishRetryBackoff: Duration
        /// Flush every write at once (lower latency) instead of batching in nats.c.
        public var sendAsap: Bool
        public var connectionName: String
        /// Time for member heartbeats in the lease buckets; wall-clock, shared between processes.
        public var clock: any BusClock

        public init(
            connectAttempts: Int = 5, connectTimeout: Duration = .seconds(1), connectBackoff: Duration = .milliseconds(200),
            maxReconnects: Int = 600, reconnectWait: Duration = .milliseconds(250), reconnectBufferBytes: Int = 8 * 1024 * 1024,
            requestTimeout: Duration = .seconds(5), publishTimeout: Duration = .seconds(5), maxPublishAttempts: Int = 30,
            publishRetryBackoff: Duration = .milliseconds(100), sendAsap: Bool = false, connectionName: String = "swift-p2p",
            clock: any BusClock = WallBusClock()
        ) {
            self.connectAttempts = connectAttempts
            self.connectTimeout = connectTimeout
            self.connectBackoff = connectBackoff
            self.maxReconnects = maxReconnects
            self.reconnectWait = reconnectWait
            self.reconnectBufferBytes = reconnectBufferBytes
            self.requestTimeout = requestTimeout
            self.publishTimeout = publishTimeout
            self.maxPublishAttempts = maxPublishAttempts
            self.publishRetryBackoff = publishRetryBackoff
            self.sendAsap = sendAsap
            self.connectionName = connectionName
            self.clock = clock
        }

        func validate() throws(BusError) {
            guard (1...100).contains(connectAttempts), (1...1000).contains(maxPublishAttempts), maxReconnects >= 0,
                connectTimeout > .zero, requestTimeout > .zero, publishTimeout > .zero
            else { throw BusError(.invalidOption, "JetStream configuration out of range") }
        }
    }

    /// Bytes allowed on top of `maxRecordBytes` for our headers (key, record id) in a stream's `max_msg_size`.
    public static let headerAllowance = 4096

    let nats: NATSConnection
    /// Topic name → (partitions, max record bytes), read once per topic.
    private let topics = Mutex<[String: TopicInfo]>([:])
    private let closed = Atomic<Bool>(false)

    struct TopicInfo: Sendable {
        let stream: String
        let partitions: Int
        let maxRecordBytes: Int
        let replicas: Int
        /// `<topic>.<partition>` for every partition, built once.
        let subjects: [String]

        init(topic: String, stream: String, partitions: Int, maxRecordBytes: Int, replicas: Int) {
            self.stream = stream
            self.partitions = partitions
            self.maxRecordBytes = maxRecordBytes
            self.replicas = replicas
            self.subjects = (0..<partitions).map { "\(topic).\($0)" }
        }
    }

    init(nats: NATSConnection) {
        self.nats = nats
    }

    /// Connects to `urls` (e.g. `nats://127.0.0.1:4222`), retrying as configured; never hangs.
    public static func connect(urls: [String], configuration: Configuration = Configuration()) async throws -> JetStreamBus {
        try configuration.validate()
        return JetStreamBus(nats: try await NATSConnection.connect(urls: urls, configuration: configuration))
    }

    public var urls: [String] { nats.urls }

    func checkOpen() throws(BusError) {
        if closed.load(ordering: .relaxed) { throw BusError(.closed, "JetStream bus") }
    }

    public func close() async {
        closed.store(true, ordering: .relaxed)
        let nats = self.nats
        await Blocking.run { _ = natsConnection_FlushTimeout(nats.connection, 1000) }
    }

    // MARK: Topics

    @discardableResult
    public func createTopic(_ spec: TopicSpec) async throws -> Bool {
        try checkOpen()
        try spec.validate()
        if let existing = try await topicInfo(spec.name, required: false) {
            guard existing.partitions == spec.partitions else {
                throw BusError(.topicMismatch, "\(spec.name) has \(existing.partitions) partitions, not \(spec.partitions)")
            }
            return false
        }
        let nats = self.nats
        try await Blocking.run { () throws(BusError) -> Void in
            let arena = CStringArena()
            var config = jsStreamConfig()
            jsStreamConfig_Init(&config)
            config.Name = arena.string(TopicSpec.engineName(for: spec.name))
            config.Subjects = arena.array((0..<spec.partitions).map { "\(spec.name).\($0)" })
            config.SubjectsLen = Int32(spec.partitions)
            config.Storage = js_FileStorage
            config.Replicas = Int64(spec.replicas)
            config.MaxMsgSize = Int32(spec.maxRecordBytes + Self.headerAllowance)
            config.MaxMsgsPerSubject = Int64(spec.maxRecordsPerPartition)
            config.Duplicates = spec.deduplicationWindow.nanoseconds
            var info: UnsafeMutablePointer<jsStreamInfo>?
            var errorCode = jsErrCode(0)
            let status = js_AddStream(&info, nats.context, &config, nil, &errorCode)
            jsStreamInfo_Destroy(info)
            guard status == NATS_OK else {
                throw BusError(.serverError, "create stream for \(spec.name): \(lastNATSError(status)) (\(errorCode.rawValue))")
            }
        }
        let info = TopicInfo(
            topic: spec.name, stream: TopicSpec.engineName(for: spec.name), partitions: spec.partitions,
            maxRecordBytes: spec.maxRecordBytes, replicas: spec.replicas)
        topics.withLock { $0[spec.name] = info }
        return true
    }

    public func partitionCount(of topic: String) async throws -> Int {
        try await topicInfo(topic, required: true)!.partitions
    }

    /// The topic's stream layout, cached after the first read.
    func topicInfo(_ topic: String, required: Bool) async throws(BusError) -> TopicInfo? {
        try checkOpen()
        if let cached = topics.withLock({ $0[topic] }) { return cached }
        let nats = self.nats
        let stream = TopicSpec.engineName(for: topic)
        let info: TopicInfo? = try await Blocking.run { () throws(BusError) -> TopicInfo? in
            var info: UnsafeMutablePointer<jsStreamInfo>?
            var errorCode = jsErrCode(0)
            let status = js_GetStreamInfo(&info, nats.context, stream, nil, &errorCode)
            defer { jsStreamInfo_Destroy(info) }
            if status == NATS_NOT_FOUND || errorCode == JSStreamNotFoundErr { return nil }
            guard status == NATS_OK, let config = info?.pointee.Config?.pointee else {
                throw BusError(.serverError, "stream info \(stream): \(lastNATSError(status))")
            }
            // A stream made elsewhere without `max_msg_size` (-1) is bounded by the server's max_payload,
            // which nats.c enforces before sending.
            let maxRecordBytes = config.MaxMsgSize > 0 ? max(0, Int(config.MaxMsgSize) - Self.headerAllowance) : TopicSpec.maximumRecordBytesLimit
            return TopicInfo(
                topic: topic, stream: stream, partitions: Int(config.SubjectsLen), maxRecordBytes: maxRecordBytes,
                replicas: max(1, Int(config.Replicas)))
        }
        guard let info else {
            if required { throw BusError(.unknownTopic, topic) }
            return nil
        }
        topics.withLock { $0[topic] = info }
        return info
    }

    // MARK: Producers and consumers

    public func makeProducer(options: ProducerOptions) async throws -> any BusProducer {
        try checkOpen()
        try options.validate()
        return try await JetStreamProducer.make(bus: self, options: options)
    }

    public func makeConsumer(topic: String, group: String, options: ConsumerOptions) async throws -> any BusConsumer {
        try checkOpen()
        try ConsumerOptions.validateName(group)
        try options.validate()
        let info = try await topicInfo(topic, required: true)!
        return try await JetStreamConsumer.join(bus: self, topic: topic, info: info, group: group, options: options)
    }

    // MARK: Tables

    @discardableResult
    public func createTable(_ spec: TableSpec) async throws -> Bool {
        try checkOpen()
        try spec.validate()
        return try await KVBucket.create(nats: nats, bucket: TopicSpec.engineName(for: spec.name), spec: spec)
    }

    public func table(_ name: String) async throws -> any BusTable {
        try checkOpen()
        try TopicSpec.validateName(name)
        let bucket = try await KVBucket.open(nats: nats, bucket: TopicSpec.engineName(for: name))
        return JetStreamTable(name: name, bucket: bucket)
    }
}
