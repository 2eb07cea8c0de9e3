#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
public import P2PBus
public import P2PMembership
public import P2PWire

/// The link manager's I/O driver: consumes `p2p.out` and `link.in` as a member of consumer groups,
/// feeds a ``LinkManagerEngine``, and carries out its outputs (publishes to `link.out`, `p2p.in`,
/// `p2p.out.markers` and the delivery-status topic; writes `session.out.partitions`). One periodic
/// tick drives replays, heartbeats and timeouts; time comes from the injected `now`.
public actor LinkManagerService {
    public struct Options: Sendable {
        /// This member's id in the consumer groups.
        public var memberID: String
        public var consumerGroup: String
        public var topics: LinkManagerTopics
        /// Records taken per poll.
        public var pollBatch: Int
        public var pollTimeout: Duration
        /// How often the state machines are ticked.
        public var tickInterval: Duration
        /// Told of this instance's `link.in` partitions (its sessions' partitions) at start and on every change.
        public var onReassign: (@Sendable ([Int]) -> Void)?

        public init(
            memberID: String = "link-manager-1", consumerGroup: String = "link-manager", topics: LinkManagerTopics = .init(),
            pollBatch: Int = 512, pollTimeout: Duration = .milliseconds(50), tickInterval: Duration = .milliseconds(100),
            onReassign: (@Sendable ([Int]) -> Void)? = nil
        ) {
            self.onReassign = onReassign
            self.memberID = memberID
            self.consumerGroup = consumerGroup
            self.topics = topics
            self.pollBatch = pollBatch
            self.pollTimeout = pollTimeout
            self.tickInterval = tickInterval
        }
    }

    /// Told synchronously of every `session.out.partitions` change before the table is written (an
    /// embedded gateway updates its directory at once; `nil` = removed).
    public typealias PartitionsObserver = @Sendable (SessionID, [Int]?) -> Void

    /// Milliseconds since the Unix epoch, from the real-time clock.
    public static let wallClock: @Sendable () -> UInt64 = {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return UInt64(max(0, time.tv_sec)) * 1000 + UInt64(max(0, time.tv_nsec)) / 1_000_000
    }

    private let bus: any MessageBus
    private let engine: LinkManagerEngine
    private let options: Options
    private let now: @Sendable () -> UInt64
    private let observer: PartitionsObserver?
    private var tasks: [Task<Void, Never>] = []
    private var consumers: [any BusConsumer] = []
    private var producer: (any BusProducer)?
    private var sink: OutputSink?
    private var following: (reader: ConfigurationReader<LinkManagerConfiguration>, task: Task<Void, Never>)?
    private var started = false
    /// The partitions `onReassign` was last told of (`nil`: not yet told).
    private var reportedPartitions: [Int]?

    public init(
        bus: any MessageBus, directory: MembershipDirectory, configuration: LinkManagerConfiguration,
        options: Options = Options(), now: @escaping @Sendable () -> UInt64 = LinkManagerService.wallClock,
        partitionsObserver: PartitionsObserver? = nil
    ) async throws {
        let partitions = try await bus.partitionCount(of: options.topics.linkIn)
        self.bus = bus
        self.engine = try LinkManagerEngine(
            directory: directory, configuration: configuration, partitions: Array(0..<partitions), topics: options.topics)
        self.options = options
        self.now = now
        self.observer = partitionsObserver
    }

    public var counters: LinkManagerCounters { engine.counters }
    public var trackedCount: Int { engine.trackedCount }
    /// Outbound sessions held (pending or active), over all counterparty pairs.
    public var outboundSessionCount: Int { engine.outboundSessionCount }

    /// Joins the consumer groups and starts the poll loops and the tick.
    public func start() async throws {
        guard !started else { throw ClusterError(.invalidState, "link manager started twice") }
        started = true
        let producer = try await bus.makeProducer(options: ProducerOptions(maxInFlight: 4096))
        let table = try await bus.table(SessionPartitions.tableName)
        let consumerOptions = ConsumerOptions(memberID: options.memberID)
        let outbound = try await bus.makeConsumer(topic: options.topics.p2pOut, group: options.consumerGroup, options: consumerOptions)
        let inbound = try await bus.makeConsumer(topic: options.topics.linkIn, group: options.consumerGroup, options: consumerOptions)
        self.producer = producer
        consumers = [outbound, inbound]
        let sink = OutputSink(producer: producer, table: table, observer: observer)
        self.sink = sink
        await sink.carryOut(reassign(await inbound.assignment()))
        let (batch, timeout, interval) = (options.pollBatch, options.pollTimeout, options.tickInterval)
        tasks.append(Task { await Self.pollLoop(outbound, batch: batch, timeout: timeout, sink: sink) { await self.takeOutbound($0) } })
        tasks.append(Task { await Self.pollLoop(inbound, batch: batch, timeout: timeout, sink: sink) { await self.takeInbound($0) } })
        tasks.append(Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                await sink.carryOut(self.reassign(await inbound.assignment()))
                await sink.carryOut(self.takeTick())
            }
        })
    }

    /// The configuration in force.
    public var configuration: LinkManagerConfiguration { engine.configuration }

    /// Applies a new configuration without a restart (``LinkManagerEngine/reconfigure(_:now:)``) and carries
    /// out what it asks at once (sessions opened or closed by a new `sessionsPerPeer`). Throws, changing
    /// nothing, when the configuration does not make valid state-machine settings.
    public func reconfigure(_ configuration: LinkManagerConfiguration) async throws {
        try engine.reconfigure(configuration, now: now())
        let outputs = engine.drain()
        if let sink { await sink.carryOut(outputs) }
    }

    /// Applies every later valid configuration `reader` hands over, in order, for the service's lifetime
    /// (``reconfigure(_:)``; the newest wins when several arrive during one change), and stops the reader at
    /// ``stop()``. `report` is told of each outcome: applied, refused by the state machines, or rejected by the
    /// reader (the last good configuration stays in force in both failure cases).
    public func follow(
        _ reader: ConfigurationReader<LinkManagerConfiguration>, report: @escaping @Sendable (String) -> Void
    ) throws(MembershipError) {
        try reader.onRejected { error in
            report("link-manager configuration rejected, the last good one stays in force: \(error)")
        }
        let updates = try reader.updates()
        let task = Task {
            for await configuration in updates {
                do {
                    try await self.reconfigure(configuration)
                    report("link-manager configuration applied")
                } catch {
                    report("link-manager configuration refused, the last good one stays in force: \(error)")
                }
            }
        }
        following = (reader, task)
    }

    /// Stops the loops, leaves the consumer groups and flushes the producer.
    public func stop() async {
        if let following {
            following.task.cancel()
            following.reader.stop()
            self.following = nil
        }
        for task in tasks { task.cancel() }
        for consumer in consumers { await consumer.close() }
        for task in tasks { await task.value }
        tasks = []
        consumers = []
        await producer?.close()
        producer = nil
        sink = nil
    }

    // MARK: Engine access (actor-isolated)

    private func takeOutbound(_ records: [ConsumedRecord]) -> ([LinkManagerOutput], [ConsumedRecord]) {
        let time = now()
        var done: [ConsumedRecord] = []
        done.reserveCapacity(records.count)
        for record in records where engine.handleOutbound(key: record.key, value: record.value, now: time) {
            done.append(record)
        }
        return (engine.drain(), done)
    }

    private func takeInbound(_ records: [ConsumedRecord]) -> ([LinkManagerOutput], [ConsumedRecord]) {
        let time = now()
        for record in records { engine.handleInbound(value: record.value, now: time) }
        engine.flushAcknowledgements(now: time)
        return (engine.drain(), records)
    }

    /// Session partitions follow the `link.in` assignment (`docs/distributed.md`).
    private func reassign(_ assigned: [Int]) -> [LinkManagerOutput] {
        engine.reassign(assigned)
        if engine.partitions != reportedPartitions {
            reportedPartitions = engine.partitions
            options.onReassign?(engine.partitions)
        }
        return engine.drain()
    }

    private func takeTick() -> [LinkManagerOutput] {
        engine.tick(now: now())
        return engine.drain()
    }

    private static func pollLoop(
        _ consumer: any BusConsumer, batch: Int, timeout: Duration, sink: OutputSink,
        process: @Sendable ([ConsumedRecord]) async -> ([LinkManagerOutput], [ConsumedRecord])
    ) async {
        while !Task.isCancelled {
            let records: [ConsumedRecord]
            do {
                records = try await consumer.poll(maxRecords: batch, timeout: timeout)
            } catch let error as BusError where error.code == .closed {
                return
            } catch {
                try? await Task.sleep(for: .milliseconds(50))
                continue
            }
            guard !records.isEmpty else { continue }
            let (outputs, done) = await process(records)
            await sink.carryOut(outputs)
            if !done.isEmpty { try? await consumer.ack(done) }
        }
    }
}

/// Carries out engine outputs in order: table writes before the frames that depend on them, every
/// publish awaited until the bus accepted it.
struct OutputSink: Sendable {
    let producer: any BusProducer
    let table: any BusTable
    let observer: LinkManagerService.PartitionsObserver?

    func carryOut(_ outputs: [LinkManagerOutput]) async {
        var receipts: [PublishReceipt] = []
        for output in outputs {
            switch output {
            case .publish(let record):
                if let receipt = try? await producer.send(record) { receipts.append(receipt) }
            case .setPartitions(let id, let partitions):
                observer?(id, partitions)
                _ = try? await table.put(SessionPartitions.key(id), SessionPartitions.encode(partitions))
            case .removePartitions(let id):
                observer?(id, nil)
                try? await table.delete(SessionPartitions.key(id))
            }
        }
        for receipt in receipts { _ = try? await receipt.accepted() }
    }
}
