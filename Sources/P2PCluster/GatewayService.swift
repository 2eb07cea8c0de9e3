public import Logging
public import NIOCore
public import P2PBus
public import P2PGateway
public import P2PLinkManagerService
public import P2PMembership
import P2PTLS
import P2PWire
import Synchronization

/// The gateway of an embedded cluster: the HTTPS server that publishes inbound frames to `link.in`
/// (routed by `session.out.partitions`), and the client side that consumes `link.out` and posts
/// batches to the destinations' gateways (`docs/gateway.md`). A new configuration is applied while it
/// runs (``apply(_:)``, ``follow(_:)``; `docs/gateway.md` §10).
public final class GatewayService: Sendable {
    /// What the gateway counted.
    public struct Counters: Sendable, Hashable {
        public var framesSubmitted = 0
        /// Frames of batches that failed (connection, retries exhausted, rejected): the link manager replays.
        public var framesFailed = 0
        /// Frames a receiving gateway refused one by one (unknown session, expired).
        public var framesRefused = 0
        public var malformedRecords = 0
        /// New configurations put in force (those that changed something).
        public var configurationsApplied = 0
        /// New configurations that could not be applied (codes 721, 722): the last good one stayed.
        public var configurationsFailed = 0
        /// Published configurations the reader rejected (decoding or validation; `follow`).
        public var configurationsRejected = 0
        /// Listeners replaced by a new one (`hostAddress`/`hostPort` changes).
        public var listenersReplaced = 0
    }

    public let sessions: SessionPartitionsDirectory
    let outbound: GatewayOutbound<String>
    private let consumer: any BusConsumer
    private let producer: any BusProducer
    private let watch: TableWatch
    private let tasks: Mutex<[Task<Void, Never>]>
    let counters: CounterBox
    let live: Mutex<Live>
    let tls: ClusterTLSBox
    let handlerConfiguration: GatewayServerHandler.Configuration
    let publisher: any InboundPublisher
    let directory: MembershipDirectory
    let revocationSource: CRLFetcher
    let group: any EventLoopGroup
    let logger: Logger

    /// What changes while the service runs.
    struct Live {
        var server: GatewayServer
        var configuration: GatewayConfiguration
        /// The last `apply`, which the next one waits for (changes are applied one at a time, in order).
        var lastApply: Task<Void, Never>?
        /// Listeners whose connections are draining (old ones, or the one in force after a TLS change),
        /// with the task that drains them, by drain number.
        var draining: [Int: (server: GatewayServer, task: Task<Void, Never>)] = [:]
        var nextDrain = 0
        var lastError: GatewayError?
        var following: Following?
        var stopped = false
    }

    /// The configuration reader `follow` subscribed to, and the task applying what it hands over.
    struct Following {
        let reader: ConfigurationReader<GatewayConfiguration>
        let changes: AsyncStream<GatewayConfiguration>.Continuation
        let task: Task<Void, Never>
    }

    /// The listener in force.
    public var server: GatewayServer { live.withLock { $0.server } }
    public var port: Int { server.port }
    public var currentCounters: Counters { counters.counters.withLock { $0 } }
    /// The configuration in force: the last one applied in full.
    public var configuration: GatewayConfiguration { live.withLock { $0.configuration } }
    /// Why the last configuration that could not be applied failed (nil once one applies again).
    public var lastReconfigurationError: GatewayError? { live.withLock { $0.lastError } }

    private init(
        server: GatewayServer, configuration: GatewayConfiguration, tls: ClusterTLSBox,
        handlerConfiguration: GatewayServerHandler.Configuration, publisher: any InboundPublisher,
        directory: MembershipDirectory, revocationSource: CRLFetcher, group: any EventLoopGroup, logger: Logger,
        sessions: SessionPartitionsDirectory, outbound: GatewayOutbound<String>, consumer: any BusConsumer,
        producer: any BusProducer, watch: TableWatch, counters: CounterBox
    ) {
        self.watch = watch
        self.live = Mutex(Live(server: server, configuration: configuration))
        self.tls = tls
        self.handlerConfiguration = handlerConfiguration
        self.publisher = publisher
        self.directory = directory
        self.revocationSource = revocationSource
        self.group = group
        self.logger = logger
        self.sessions = sessions
        self.outbound = outbound
        self.consumer = consumer
        self.producer = producer
        self.tasks = Mutex([])
        self.counters = counters
    }

    /// Starts the server on `configuration.hostAddress:hostPort` and the `link.out` consumer.
    public static func start(
        bus: any MessageBus, directory: MembershipDirectory, configuration: GatewayConfiguration,
        group: any EventLoopGroup, sessions: SessionPartitionsDirectory, memberID: String = "gateway-1",
        logger: Logger = Logger(label: "p2p.gateway")
    ) async throws -> GatewayService {
        let revocationSource = CRLFetcher(group: group)
        let tls = ClusterTLSBox(
            try ClusterTLS(directory: directory, configuration: configuration, revocationSource: revocationSource, logger: logger))
        let producer = try await bus.makeProducer(options: ProducerOptions(maxInFlight: 4096))
        let handlerConfiguration = GatewayServerHandler.Configuration(maximumRequestSize: configuration.maxRequestSizeBytes)
        let publisher = LoggingInboundPublisher(base: BusInboundPublisher(producer: producer), logger: logger)
        let server = try await GatewayServer.start(
            host: configuration.hostAddress, port: configuration.hostPort, group: group,
            configuration: handlerConfiguration, publisher: publisher, sessions: sessions, prepare: tls.serverPreparation)
        let box = CounterBox()
        let outbound = GatewayOutbound<String>(
            eventLoop: group.next(), maximumDestinations: configuration.connection.maxClientConnections,
            timing: ConnectionPoolStateMachine.Timing(configuration.connection), prepare: tls.clientPreparation
        ) { outcome in
            box.counters.withLock { counters in
                switch outcome.result {
                case .success(let status): counters.framesRefused += status.frameStatuses.count
                case .failure: counters.framesFailed += outcome.frames.count
                }
            }
            if case .failure(let error) = outcome.result {
                logger.debug("batch failed", metadata: ["frames": "\(outcome.frames.count)", "error": "\(error)"])
            }
        }
        let consumer = try await bus.makeConsumer(
            topic: "link.out", group: "gateway", options: ConsumerOptions(memberID: memberID))
        let table = try await bus.table(SessionPartitions.tableName)
        let watch = try await table.watch()
        let service = GatewayService(
            server: server, configuration: configuration, tls: tls, handlerConfiguration: handlerConfiguration,
            publisher: publisher, directory: directory, revocationSource: revocationSource, group: group, logger: logger,
            sessions: sessions, outbound: outbound, consumer: consumer, producer: producer, watch: watch, counters: box)
        let watchTask = Task {
            for await event in watch {
                switch event {
                case .put(let entry):
                    if let id = SessionPartitions.session(fromKey: entry.key),
                        let partitions = try? SessionPartitions.decode(entry.value)
                    {
                        sessions.set(partitions, for: id)
                    }
                case .deleted(let key, _):
                    if let id = SessionPartitions.session(fromKey: key) { sessions.set(nil, for: id) }
                case .caughtUp:
                    break
                }
            }
        }
        let pollTask = Task { await service.forward() }
        service.tasks.withLock { $0 = [pollTask, Task { await watchTask.value }] }
        return service
    }

    /// Consumes `link.out` into the batcher and pools. A record is acknowledged once its frame is
    /// queued: a batch that fails later is replayed by the link manager, not by the gateway.
    private func forward() async {
        while !Task.isCancelled {
            let records: [ConsumedRecord]
            do {
                records = try await consumer.poll(maxRecords: 1024, timeout: .milliseconds(50))
            } catch let error as BusError where error.code == .closed {
                return
            } catch {
                try? await Task.sleep(for: .milliseconds(50))
                continue
            }
            for record in records {
                do {
                    let decoded = try LinkOutRecord(decoding: record.value)
                    var buffer = decoded.frame
                    guard let frame = try LinkFrame.decode(from: &buffer) else { throw ClusterError(.malformedRecord, "truncated frame") }
                    let endpoints = try decoded.endpoints.map { try GatewayEndpoint(url: $0) }
                    try await outbound.submit(frame, to: decoded.destination, endpoints: endpoints)
                    counters.counters.withLock { $0.framesSubmitted += 1 }
                } catch {
                    counters.counters.withLock { $0.malformedRecords += 1 }
                }
            }
            if !records.isEmpty { try? await consumer.ack(records) }
        }
    }

    /// Stops following configuration changes, stops consuming, sends what is pending, closes the
    /// pools and the servers (the one in force and any still draining).
    public func stop() async {
        let following = live.withLock {
            $0.stopped = true
            return $0.following
        }
        if let following {
            following.reader.stop()
            following.changes.finish()
            await following.task.value
        }
        if let last = live.withLock({ $0.lastApply }) { await last.value }
        let running = tasks.withLock { $0 }
        for task in running { task.cancel() }
        watch.cancel()
        await consumer.close()
        for task in running { await task.value }
        await outbound.shutdown()
        let (server, draining) = live.withLock { ($0.server, Array($0.draining.values)) }
        for old in draining { await old.server.stop() }
        for old in draining { await old.task.value }
        await server.stop()
        await producer.close()
    }
}

/// The gateway's counters, shared with the outcome callback.
final class CounterBox: Sendable {
    let counters = Mutex(GatewayService.Counters())
}

/// Logs (debug) every publish of inbound frames that the bus refused, then rethrows.
struct LoggingInboundPublisher: InboundPublisher {
    let base: BusInboundPublisher
    let logger: Logger

    func publish(_ records: [InboundRecord]) async throws {
        do {
            try await base.publish(records)
        } catch {
            logger.debug("inbound publish failed", metadata: ["records": "\(records.count)", "error": "\(error)"])
            throw error
        }
    }
}
