/// The state of an `InProcessBus`: topics, consumer groups and tables, in one actor.
actor InProcessBroker {
    struct Group {
        var coordinator: GroupCoordinatorStateMachine
        var cursors: [PartitionCursor]
        var listeners: [String: @Sendable (AssignmentEvent) -> Void] = [:]
        var options: [String: ConsumerOptions] = [:]
        var roundRobin = 0

        mutating func ack(_ records: [ConsumedRecord], topic: String) {
            for record in records where record.topic == topic && record.partition < cursors.count {
                cursors[record.partition].ack(record.offset)
            }
        }
    }

    struct Topic {
        let spec: TopicSpec
        var logs: [PartitionLog]
        var deduplication: DeduplicationWindow<PublishAck>
        var groups: [String: Group] = [:]

        /// Appends a validated record, or answers the first copy of a repeated record id.
        mutating func store(_ record: BusRecord, partition: Int, clock: any BusClock) -> PublishAck {
            guard let id = record.recordID else {
                let offset = logs[partition].append(.init(key: record.key, value: record.value, recordID: nil))
                return PublishAck(topic: record.topic, partition: partition, offset: offset, duplicate: false)
            }
            let now = clock.now()
            if let first = deduplication.lookup(id, now: now) {
                return PublishAck(topic: first.topic, partition: first.partition, offset: first.offset, duplicate: true)
            }
            let offset = logs[partition].append(.init(key: record.key, value: record.value, recordID: id))
            let ack = PublishAck(topic: record.topic, partition: partition, offset: offset, duplicate: false)
            deduplication.insert(id, ack, now: now)
            return ack
        }
    }

    struct Table {
        let spec: TableSpec
        /// `at`: when the entry was written (bus clock), for ``purgeDeletes(table:olderThan:)``.
        var entries: [String: (value: [UInt8]?, revision: UInt64, at: Duration)] = [:]
        var revision: UInt64 = 0
        var watchers: [Int: (channel: BoundedChannel<TableEvent>, prefix: String?)] = [:]
    }

    struct HeldPublish {
        let record: BusRecord
        let partition: Int
        let promise: PublishPromise
    }

    let configuration: InProcessBus.Configuration
    var clock: any BusClock { configuration.clock }
    private var topics: [String: Topic] = [:]
    private var tables: [String: Table] = [:]
    private var held: [HeldPublish]?
    private var dataWaiters: [String: [Int: CheckedContinuation<Void, Never>]] = [:]
    private var nextID = 0
    private(set) var closed = false

    init(configuration: InProcessBus.Configuration) {
        self.configuration = configuration
    }

    func close() {
        closed = true
        for (_, table) in tables { for (_, watcher) in table.watchers { watcher.channel.finish() } }
        for (_, waiters) in dataWaiters { for (_, waiter) in waiters { waiter.resume() } }
        dataWaiters = [:]
        held = nil
    }

    private func checkOpen() throws(BusError) {
        if closed { throw BusError(.closed, "in-process bus") }
    }

    // MARK: Topics

    func createTopic(_ spec: TopicSpec) throws(BusError) -> Bool {
        try checkOpen()
        try spec.validate()
        if let existing = topics[spec.name] {
            guard existing.spec.partitions == spec.partitions else {
                throw BusError(.topicMismatch, "\(spec.name) has \(existing.spec.partitions) partitions, not \(spec.partitions)")
            }
            return false
        }
        guard topics.count < configuration.maxTopics else { throw BusError(.invalidOption, "more than \(configuration.maxTopics) topics") }
        topics[spec.name] = Topic(
            spec: spec,
            logs: Array(repeating: PartitionLog(capacity: spec.maxRecordsPerPartition), count: spec.partitions),
            deduplication: DeduplicationWindow(capacity: configuration.maxDeduplicationIDs, window: spec.deduplicationWindow))
        return true
    }

    func spec(of topic: String) throws(BusError) -> TopicSpec {
        try checkOpen()
        guard let existing = topics[topic] else { throw BusError(.unknownTopic, topic) }
        return existing.spec
    }

    // MARK: Publishing

    enum Submitted: Sendable {
        case stored(PublishAck)
        /// Acceptance is held: the promise completes at `releaseAcceptance()`.
        case held(PublishPromise)
    }

    /// Validates and either stores the record now or, while acceptance is held, queues it.
    func submit(_ record: BusRecord) throws(BusError) -> Submitted {
        try checkOpen()
        guard let spec = topics[record.topic]?.spec else { throw BusError(.unknownTopic, record.topic) }
        guard record.value.count <= spec.maxRecordBytes else {
            throw BusError(.recordTooLarge, "\(record.value.count) bytes > \(spec.maxRecordBytes) in \(record.topic)")
        }
        let partition = try record.resolvedPartition(partitions: spec.partitions)
        if held != nil {
            let promise = PublishPromise()
            held!.append(HeldPublish(record: record, partition: partition, promise: promise))
            return .held(promise)
        }
        return .stored(store(record, partition: partition))
    }

    private func store(_ record: BusRecord, partition: Int) -> PublishAck {
        let ack = topics[record.topic]!.store(record, partition: partition, clock: clock)
        if !dataWaiters.isEmpty, let waiters = dataWaiters.removeValue(forKey: record.topic) {
            for (_, waiter) in waiters { waiter.resume() }
        }
        return ack
    }

    /// Failure injection: records submitted from now on are accepted only at `releaseAcceptance()`.
    func holdAcceptance() {
        if held == nil { held = [] }
    }

    func releaseAcceptance() {
        guard let queue = held else { return }
        held = nil
        for item in queue {
            item.promise.complete(.success(store(item.record, partition: item.partition)))
        }
    }

    // MARK: Consumer groups

    func join(topic name: String, group: String, options: ConsumerOptions) throws(BusError) {
        try checkOpen()
        guard var topic = topics[name] else { throw BusError(.unknownTopic, name) }
        var state = topic.groups[group] ?? Group(
            coordinator: GroupCoordinatorStateMachine(partitions: topic.spec.partitions, sessionTimeout: options.sessionTimeout),
            cursors: Array(repeating: PartitionCursor(), count: topic.spec.partitions))
        let actions = try state.coordinator.join(options.memberID, now: clock.now())
        state.listeners[options.memberID] = options.onAssignment
        state.options[options.memberID] = options
        topic.groups[group] = state
        topics[name] = topic
        apply(actions, topic: name, group: group)
    }

    func leave(topic: String, group: String, member: String) {
        guard topics[topic]?.groups[group] != nil else { return }
        let actions = topics[topic]!.groups[group]!.coordinator.leave(member)
        apply(actions, topic: topic, group: group)
        topics[topic]!.groups[group]!.listeners.removeValue(forKey: member)
        topics[topic]!.groups[group]!.options.removeValue(forKey: member)
    }

    func assignment(topic: String, group: String, member: String) -> [Int] {
        topics[topic]?.groups[group]?.coordinator.assignment[member] ?? []
    }

    private func apply(_ actions: [GroupCoordinatorStateMachine.Action], topic: String, group: String) {
        for action in actions {
            switch action {
            case .revoke(let member, let partitions):
                for partition in partitions { topics[topic]!.groups[group]!.cursors[partition].requeueAll() }
                topics[topic]!.groups[group]!.listeners[member]?(.revoked(partitions))
            case .assign(let member, let partitions):
                topics[topic]!.groups[group]!.listeners[member]?(.assigned(partitions))
            }
        }
    }

    /// Heart-beats `member` and returns up to `maxRecords` records of its partitions.
    func poll(topic name: String, group: String, options: ConsumerOptions, maxRecords: Int) throws(BusError) -> [ConsumedRecord] {
        try checkOpen()
        guard topics[name]?.groups[group] != nil else { throw BusError(.unknownTopic, name) }
        let now = clock.now()
        let member = options.memberID
        let actions = topics[name]!.groups[group]!.coordinator.heartbeat(member, now: now)
        if topics[name]!.groups[group]!.listeners[member] == nil {
            topics[name]!.groups[group]!.listeners[member] = options.onAssignment
        }
        apply(actions, topic: name, group: group)
        let owned = topics[name]!.groups[group]!.coordinator.assignment[member] ?? []
        guard !owned.isEmpty, maxRecords > 0 else { return [] }

        var result: [ConsumedRecord] = []
        result.reserveCapacity(min(maxRecords, 1024))
        let start = topics[name]!.groups[group]!.roundRobin
        topics[name]!.groups[group]!.roundRobin &+= 1
        for index in 0..<owned.count where result.count < maxRecords {
            let partition = owned[(start + index) % owned.count]
            let log = topics[name]!.logs[partition]
            // In place: copying a cursor out would copy its pending map on the first write.
            topics[name]!.groups[group]!.cursors[partition].deliver(
                from: log, topic: name, partition: partition, options: options, now: now, limit: maxRecords, into: &result)
        }
        return result
    }

    func ack(topic: String, group: String, records: [ConsumedRecord]) throws(BusError) {
        try checkOpen()
        guard topics[topic]?.groups[group] != nil else { throw BusError(.unknownTopic, topic) }
        topics[topic]!.groups[group]!.ack(records, topic: topic)
    }

    /// Suspends until a record is stored in `topic`, the bus closes, or `timeout` passes.
    func waitForData(topic: String, timeout: Duration) async {
        let id = nextID
        nextID += 1
        let sleeper = Task { [weak self] in
            try? await Task.sleep(for: timeout)
            await self?.wake(topic: topic, id: id)
        }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            if closed {
                continuation.resume()
            } else {
                dataWaiters[topic, default: [:]][id] = continuation
            }
        }
        sleeper.cancel()
    }

    private func wake(topic: String, id: Int) {
        dataWaiters[topic]?.removeValue(forKey: id)?.resume()
    }

    // MARK: Tables

    func createTable(_ spec: TableSpec) throws(BusError) -> Bool {
        try checkOpen()
        try spec.validate()
        if tables[spec.name] != nil { return false }
        guard tables.count < configuration.maxTables else { throw BusError(.invalidOption, "more than \(configuration.maxTables) tables") }
        tables[spec.name] = Table(spec: spec)
        return true
    }

    func hasTable(_ name: String) throws(BusError) -> Bool {
        try checkOpen()
        return tables[name] != nil
    }

    func get(table: String, key: String) throws(BusError) -> TableEntry? {
        try checkOpen()
        guard let state = tables[table] else { throw BusError(.unknownTable, table) }
        guard let entry = state.entries[key], let value = entry.value else { return nil }
        return TableEntry(key: key, value: value, revision: entry.revision)
    }

    enum Condition { case none, absent, revision(UInt64) }

    /// Writes (or deletes, `value == nil`) under a condition; waits while a watcher's buffer is full.
    func write(table name: String, key: String, value: [UInt8]?, condition: Condition) async throws(BusError) -> UInt64 {
        try checkOpen()
        try TableSpec.validateKey(key)
        guard var table = tables[name] else { throw BusError(.unknownTable, name) }
        if let value, value.count > table.spec.maxValueBytes {
            throw BusError(.valueTooLarge, "\(value.count) bytes > \(table.spec.maxValueBytes) in \(name)")
        }
        let current = table.entries[key]
        switch condition {
        case .none: break
        case .absent:
            if current?.value != nil { throw BusError(.revisionMismatch, "\(name)/\(key) exists") }
        case .revision(let expected):
            guard current?.revision == expected else {
                throw BusError(.revisionMismatch, "\(name)/\(key) is at \(current?.revision ?? 0), not \(expected)")
            }
        }
        if value == nil, current == nil || current?.value == nil {
            // Deleting what is absent still writes a tombstone, as JetStream does.
        }
        guard table.entries.count < configuration.maxTableKeys || current != nil else {
            throw BusError(.invalidOption, "\(name) holds \(configuration.maxTableKeys) keys")
        }
        table.revision += 1
        let revision = table.revision
        table.entries[key] = (value, revision, clock.now())
        let event: TableEvent = value.map { .put(TableEntry(key: key, value: $0, revision: revision)) }
            ?? .deleted(key: key, revision: revision)
        let watchers = table.watchers.values.filter { Self.key(key, isUnder: $0.prefix) }.map(\.channel)
        tables[name] = table
        for watcher in watchers { watcher.enqueue(event) }
        for watcher in watchers { await watcher.waitForSpace() }
        return revision
    }

    /// Tombstones written at least `age` ago are forgotten.
    func purgeDeletes(table name: String, olderThan age: Duration) throws(BusError) {
        try checkOpen()
        guard tables[name] != nil else { throw BusError(.unknownTable, name) }
        let limit = clock.now() - age
        tables[name]!.entries = tables[name]!.entries.filter { $0.value.value != nil || $0.value.at > limit }
    }

    /// Keys whose leading tokens are `prefix` (all keys for `nil`).
    static func key(_ key: String, isUnder prefix: String?) -> Bool {
        guard let prefix else { return true }
        return key.utf8.count > prefix.utf8.count + 1 && key.hasPrefix(prefix + ".")
    }

    func watch(table name: String, under prefix: String?) throws(BusError) -> TableWatch {
        try checkOpen()
        guard let table = tables[name] else { throw BusError(.unknownTable, name) }
        let channel = BoundedChannel<TableEvent>(capacity: TableWatch.bufferCapacity)
        for (key, entry) in table.entries.sorted(by: { $0.value.revision < $1.value.revision })
        where Self.key(key, isUnder: prefix) {
            if let value = entry.value {
                channel.enqueue(.put(TableEntry(key: key, value: value, revision: entry.revision)))
            } else {
                channel.enqueue(.deleted(key: key, revision: entry.revision))
            }
        }
        channel.enqueue(.caughtUp)
        let id = nextID
        nextID += 1
        tables[name]!.watchers[id] = (channel, prefix)
        return TableWatch(channel: channel) { [weak self] in
            Task { await self?.unwatch(table: name, id: id) }
        }
    }

    private func unwatch(table: String, id: Int) {
        tables[table]?.watchers.removeValue(forKey: id)
    }
}
