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
        /// Told of this instance's `p2p.out` partitions and of the messages recovered from their marker
        /// state, on every change.
        public var onOutboundReassign: (@Sendable (_ partitions: [Int], _ recovered: Int) -> Void)?
        /// How often this instance removes old tombstones from the marker state.
        public var markerStatePurgeInterval: Duration
        /// Tombstones at least this old are removed.
        public var markerStatePurgeAge: Duration
        /// A newly assigned partition's marker state must load within this time; else it is tried
        /// again at the next tick.
        public var markerStateLoadTimeout: Duration

        public init(
            memberID: String = "link-manager-1", consumerGroup: String = "link-manager", topics: LinkManagerTopics = .init(),
            pollBatch: Int = 512, pollTimeout: Duration = .milliseconds(50), tickInterval: Duration = .milliseconds(100),
            onReassign: (@Sendable ([Int]) -> Void)? = nil,
            onOutboundReassign: (@Sendable (_ partitions: [Int], _ recovered: Int) -> Void)? = nil,
            markerStatePurgeInterval: Duration = .seconds(10), markerStatePurgeAge: Duration = .seconds(10),
            markerStateLoadTimeout: Duration = .seconds(10)
        ) {
            self.onReassign = onReassign
            self.onOutboundReassign = onOutboundReassign
            self.markerStatePurgeInterval = markerStatePurgeInterval
            self.markerStatePurgeAge = markerStatePurgeAge
            self.markerStateLoadTimeout = markerStateLoadTimeout
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
    /// The `p2p.out` partitions `onOutboundReassign` was last told of.
    private var reportedOutbound: [Int]?

    public init(
        bus: any MessageBus, directory: MembershipDirectory, configuration: LinkManagerConfiguration,
        options: Options = Options(), now: @escaping @Sendable () -> UInt64 = LinkManagerService.wallClock,
        partitionsObserver: PartitionsObserver? = nil
    ) async throws {
        let partitions = try await bus.partitionCount(of: options.topics.linkIn)
        let markerPartitions = try await bus.partitionCount(of: options.topics.markers)
        self.bus = bus
        self.engine = try LinkManagerEngine(
            directory: directory, configuration: configuration, partitions: Array(0..<partitions), topics: options.topics,
            markerPartitions: markerPartitions)
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
        // `p2p bus setup` creates it; a bus set up before it existed gets it here (one replica).
        var markerStateSpec = BusLayout.markerState
        markerStateSpec.name = options.topics.markerState
        try await bus.createTable(markerStateSpec)
        let markerState = try await bus.table(options.topics.markerState)
        let consumerOptions = ConsumerOptions(memberID: options.memberID)
        let outbound = try await bus.makeConsumer(topic: options.topics.p2pOut, group: options.consumerGroup, options: consumerOptions)
        let inbound = try await bus.makeConsumer(topic: options.topics.linkIn, group: options.consumerGroup, options: consumerOptions)
        self.producer = producer
        consumers = [outbound, inbound]
        let sink = OutputSink(producer: producer, table: table, markerState: markerState, observer: observer)
        self.sink = sink
        await sink.carryOut(reassign(await inbound.assignment()))
        await sink.carryOut(reassignOutbound(await outbound.assignment(), markerState: markerState))
        let (batch, timeout, interval) = (options.pollBatch, options.pollTimeout, options.tickInterval)
        let (purgeInterval, purgeAge) = (options.markerStatePurgeInterval, options.markerStatePurgeAge)
        tasks.append(Task {
            await Self.pollLoop(outbound, batch: batch, timeout: timeout, sink: sink) {
                await self.takeOutbound($0, assigned: await outbound.assignment(), markerState: markerState)
            }
        })
        tasks.append(Task { await Self.pollLoop(inbound, batch: batch, timeout: timeout, sink: sink) { await self.takeInbound($0) } })
        tasks.append(Task {
            let clock = ContinuousClock()
            var lastPurge = clock.now
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                await sink.carryOut(self.reassign(await inbound.assignment()))
                await sink.carryOut(self.reassignOutbound(await outbound.assignment(), markerState: markerState))
                await sink.carryOut(self.takeTick())
                if clock.now - lastPurge >= purgeInterval {
                    lastPurge = clock.now
                    try? await markerState.purgeDeletes(olderThan: purgeAge)
                }
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

    /// The assignment is brought up to date first, so that a record of a partition just taken away
    /// is left unacknowledged for its new owner (``LinkManagerEngine/handleOutbound(key:value:partition:now:)``).
    private func takeOutbound(
        _ records: [ConsumedRecord], assigned: [Int], markerState: any BusTable
    ) async -> ([LinkManagerOutput], [ConsumedRecord]) {
        let reassigned = await reassignOutbound(assigned, markerState: markerState)
        let time = now()
        var done: [ConsumedRecord] = []
        done.reserveCapacity(records.count)
        for record in records where engine.handleOutbound(key: record.key, value: record.value, partition: record.partition, now: time) {
            done.append(record)
        }
        return (reassigned + engine.drain(), done)
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

    /// Marker recovery follows the `p2p.out` assignment (`docs/distributed.md`, "Sender-side
    /// recovery"): partitions taken away are released, newly assigned ones loaded and recovered.
    private func reassignOutbound(_ assigned: [Int], markerState: any BusTable) async -> [LinkManagerOutput] {
        let added = engine.assignOutbound(assigned, now: now())
        let before = engine.counters.markersRecovered
        for partition in added {
            do {
                let entries = try await Self.loadMarkerState(
                    markerState, partition: partition, limit: engine.maximumTrackedMessages,
                    timeout: options.markerStateLoadTimeout)
                engine.recover(partition: partition, entries: entries, now: now())
            } catch {
                engine.markerStateUnavailable(partition: partition)
            }
        }
        let owned = (engine.outboundPartitions ?? []).sorted()
        if owned != reportedOutbound {
            reportedOutbound = owned
            options.onOutboundReassign?(owned, engine.counters.markersRecovered - before)
        }
        return engine.drain()
    }

    /// The entries under `p<partition>` of the marker state, at most `limit`, read up to the watch's
    /// `.caughtUp` within `timeout`.
    static func loadMarkerState(_ table: any BusTable, partition: Int, limit: Int, timeout: Duration) async throws -> [TableEntry] {
        let watch = try await table.watch(under: "p\(partition)")
        let timer = Task {
            try? await Task.sleep(for: timeout)
            watch.cancel()
        }
        defer {
            timer.cancel()
            watch.cancel()
        }
        var entries: [TableEntry] = []
        for await event in watch {
            switch event {
            case .caughtUp: return entries
            case .put(let entry):
                entries.append(entry)
                if entries.count >= limit { return entries }
            case .deleted: continue
            }
        }
        throw ClusterError(.invalidState, "the marker state of p2p.out partition \(partition) did not load within \(timeout)")
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
            // A record is acknowledged only once its message's marker state is written.
            let stateWritten = await sink.carryOut(outputs)
            if stateWritten, !done.isEmpty { try? await consumer.ack(done) }
        }
    }
}

/// Carries out engine outputs in order: table writes before the frames that depend on them, every
/// publish awaited until the bus accepted it. Marker-state writes come first, concurrently (at most
/// ``maximumConcurrentStateWrites``), so a message's `sent` state is stored before any frame of it
/// leaves, and hence before the deletion its acknowledgement causes; deletions run concurrently at
/// the end.
struct OutputSink: Sendable {
    static let maximumConcurrentStateWrites = 32

    let producer: any BusProducer
    let table: any BusTable
    let markerState: any BusTable
    let observer: LinkManagerService.PartitionsObserver?

    /// Returns `false` when a marker-state write failed (the `p2p.out` records must not be acknowledged).
    @discardableResult
    func carryOut(_ outputs: [LinkManagerOutput]) async -> Bool {
        var puts: [(key: String, value: [UInt8])] = []
        var deletes: [String] = []
        for output in outputs {
            switch output {
            case .putMarkerState(let key, let value): puts.append((key, value))
            case .deleteMarkerState(let key): deletes.append(key)
            default: continue
            }
        }
        let (state, putting, deleting) = (markerState, puts, deletes)
        let stored = await Self.concurrently(putting.count) { index in
            do {
                _ = try await state.put(putting[index].key, putting[index].value)
            } catch let error as BusError where error.code == .valueTooLarge {
                // Never storable, so not worth a redelivery: the message is tracked in memory only.
            }
        }
        var receipts: [PublishReceipt] = []
        for output in outputs {
            switch output {
            case .putMarkerState, .deleteMarkerState:
                continue
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
        _ = await Self.concurrently(deleting.count) { index in try await state.delete(deleting[index]) }
        for receipt in receipts { _ = try? await receipt.accepted() }
        return stored
    }

    /// Runs `body(0..<count)` with at most ``maximumConcurrentStateWrites`` at a time; `false` if any failed.
    private static func concurrently(_ count: Int, _ body: @escaping @Sendable (Int) async throws -> Void) async -> Bool {
        guard count > 0 else { return true }
        return await withTaskGroup(of: Bool.self) { group in
            var next = 0
            var succeeded = true
            while next < min(count, maximumConcurrentStateWrites) {
                let index = next
                group.addTask { (try? await body(index)) != nil }
                next += 1
            }
            for await ok in group {
                succeeded = succeeded && ok
                if next < count {
                    let index = next
                    group.addTask { (try? await body(index)) != nil }
                    next += 1
                }
            }
            return succeeded
        }
    }
}
