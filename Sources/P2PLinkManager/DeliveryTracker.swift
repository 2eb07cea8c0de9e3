public import P2PIdentity
public import P2PMembership

/// Every authenticated message sent and not yet acknowledged or expired: markers, replays with
/// backoff, TTL expiry and delivery-status events (`docs/link-manager.md` §3). A pure state machine:
/// inputs carry `now` (ms since the Unix epoch) and return actions.
///
/// Per counterparty pair at most `maximumReplayingPerPair` messages replay; the rest wait in a FIFO
/// and are promoted as replaying ones leave. A message is in exactly one of the two, and tracked at
/// most once, by construction.
public struct DeliveryTracker: Sendable {
    /// A tracked message: its source and id (ids are unique per source).
    public struct Key: Hashable, Sendable, CustomStringConvertible {
        public let source: HoldingIdentity
        public let messageID: MessageID

        public init(source: HoldingIdentity, messageID: MessageID) {
            self.source = source
            self.messageID = messageID
        }

        public var description: String { "\(messageID) from \(source)" }
    }

    public struct Configuration: Hashable, Sendable {
        public static let defaultMaximumTrackedMessages = 100_000
        /// 1 GiB of payload.
        public static let defaultMaximumTrackedBytes = 1 << 30
        /// 55 hours at 2 s, 11 days at the 10 s cutoff.
        public static let defaultMaximumReplaysWithoutTTL = 100_000

        public var replay: ReplayCalculator
        public var maximumReplayingPerPair: Int
        public var maximumTrackedMessages: Int
        public var maximumTrackedBytes: Int
        public var maximumReplaysWithoutTTL: Int

        public init(
            replay: ReplayCalculator, maximumReplayingPerPair: Int = 100,
            maximumTrackedMessages: Int = Self.defaultMaximumTrackedMessages,
            maximumTrackedBytes: Int = Self.defaultMaximumTrackedBytes,
            maximumReplaysWithoutTTL: Int = Self.defaultMaximumReplaysWithoutTTL
        ) throws(LinkManagerError) {
            guard maximumReplayingPerPair > 0, maximumTrackedMessages > 0, maximumTrackedBytes > 0,
                maximumReplaysWithoutTTL > 0
            else { throw LinkManagerError(.invalidConfiguration, "tracker bounds must be positive") }
            self.replay = replay
            self.maximumReplayingPerPair = maximumReplayingPerPair
            self.maximumTrackedMessages = maximumTrackedMessages
            self.maximumTrackedBytes = maximumTrackedBytes
            self.maximumReplaysWithoutTTL = maximumReplaysWithoutTTL
        }

        /// The replay settings of a (validated) link-manager configuration, default bounds otherwise.
        public init(_ configuration: LinkManagerConfiguration) throws(LinkManagerError) {
            try self.init(replay: try ReplayCalculator(configuration), maximumReplayingPerPair: configuration.maxReplayingMessages)
        }
    }

    /// What the driver must do.
    public enum Action: Hashable, Sendable {
        /// Write to `p2p.out.markers` under the message id.
        case writeMarker(DeliveryMarker)
        /// Submit the message to its pair's session pool again (no new sent marker).
        case replay(AuthenticatedMessage, key: [UInt8])
        /// Publish the final outcome for the sending application.
        case deliveryStatus(DeliveryStatus)
        /// The message left the tracker: discard it from its session pool's queue.
        case cancel(Key)
    }

    /// Where a tracked message is.
    public enum Place: Hashable, Sendable {
        case replaying(due: UInt64)
        case waiting
    }

    struct Entry: Sendable {
        let message: AuthenticatedMessage
        let key: [UInt8]
        let sentAt: UInt64
        var place: Place
        var replays = 0
        /// The delay that led to the next replay (the first delay until the first replay).
        var lastDelay: UInt64
        /// Changes on every (re)schedule: heap items with another generation are stale.
        var generation: UInt64
        /// The order of the entry's expiry item.
        let expiryOrder: UInt64

        var counterparties: Counterparties { Counterparties(outbound: message.header) }
    }

    struct Pair: Sendable {
        var replaying: Set<Key> = []
        var waiting: [Key] = []
    }

    public private(set) var configuration: Configuration
    private var entries: [Key: Entry] = [:]
    private var pairs: [Counterparties: Pair] = [:]
    private var replayHeap = DeadlineHeap<Key>()
    private var expiryHeap = DeadlineHeap<Key>()
    private var nextOrder: UInt64 = 0
    public private(set) var trackedBytes = 0

    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    // MARK: Inspection

    public var trackedCount: Int { entries.count }
    public func place(of key: Key) -> Place? { entries[key]?.place }
    public func replayCount(of key: Key) -> Int? { entries[key]?.replays }
    public func replaying(for pair: Counterparties) -> Set<Key> { pairs[pair]?.replaying ?? [] }
    public func waiting(for pair: Counterparties) -> [Key] { pairs[pair]?.waiting ?? [] }
    public var allPairs: [Counterparties] { Array(pairs.keys) }
    /// Heap items, live or stale (bounded by `2 × tracked + 64` each).
    public var scheduledItemCount: Int { replayHeap.count + expiryHeap.count }

    // MARK: Inputs

    /// Starts tracking a message taken from `p2p.out` (or, with `recoveredAt`, one restored from
    /// the markers state at its original sent time: no second sent marker). Tracking a key that is
    /// already tracked does nothing. Throws `tooManyTrackedMessages` (811) above the bounds.
    public mutating func track(
        _ message: AuthenticatedMessage, key recordKey: [UInt8], now: UInt64, recoveredAt: UInt64? = nil
    ) throws(LinkManagerError) -> [Action] {
        let key = Key(source: message.header.source, messageID: message.header.messageID)
        guard entries[key] == nil else { return [] }
        var actions: [Action] = []
        if recoveredAt == nil { actions.append(.writeMarker(.sent(message, key: recordKey, at: now))) }
        if message.header.isExpired(now: now) {
            actions += finalActions(for: message.header, status: .expired, now: now)
            return actions
        }
        guard entries.count < configuration.maximumTrackedMessages,
            message.payload.count <= configuration.maximumTrackedBytes - trackedBytes
        else {
            throw LinkManagerError(.tooManyTrackedMessages, "\(entries.count) messages, \(trackedBytes) bytes tracked")
        }
        let sentAt = min(recoveredAt ?? now, now)
        let pair = Counterparties(outbound: message.header)
        let expiryOrder = takeOrder()
        entries[key] = Entry(
            message: message, key: recordKey, sentAt: sentAt, place: .waiting,
            lastDelay: configuration.replay.firstDelay, generation: takeOrder(),
            expiryOrder: expiryOrder)
        trackedBytes += message.payload.count
        if let ttl = message.header.ttl { expiryHeap.push(ttl, expiryOrder, key) }
        if pairs[pair, default: Pair()].replaying.count < configuration.maximumReplayingPerPair {
            startReplaying(key, due: sentAt + configuration.replay.firstDelay)
        } else {
            pairs[pair, default: Pair()].waiting.append(key)
        }
        return actions
    }

    /// The destination's link manager acknowledged the message: delivered marker and status, and
    /// the next waiting message of the pair starts replaying. Unknown keys (late or repeated acks):
    /// nothing.
    public mutating func acknowledged(_ key: Key, now: UInt64) -> [Action] {
        guard let entry = entries[key] else { return [] }
        remove(key, now: now)
        return finalActions(for: entry.message.header, status: .delivered, now: now) + [.cancel(key)]
    }

    /// Applies a new configuration to a running tracker (a live configuration change): nothing tracked is
    /// dropped. Replays already scheduled keep their time; the next delay of each comes from the new
    /// algorithm. A larger `maximumReplayingPerPair` promotes waiting messages at once (due at their sent
    /// time plus the new first delay, or now); a smaller one lets the replaying messages above it finish and
    /// promotes no more until a pair is below it. New bounds on tracked messages and bytes apply to the
    /// next ``track(_:key:now:recoveredAt:)``.
    public mutating func reconfigure(_ configuration: Configuration, now: UInt64) {
        self.configuration = configuration
        for pairKey in Array(pairs.keys) { promoteWaiting(of: pairKey, now: now) }
    }

    /// Stops tracking without markers or status (the partition moved to another worker).
    public mutating func release(_ key: Key, now: UInt64) {
        if entries[key] != nil { remove(key, now: now) }
    }

    /// Expiries and replays due at `now`, in that order (a message is never replayed at or after
    /// its TTL).
    public mutating func tick(now: UInt64) -> [Action] {
        var actions: [Action] = []
        while let top = expiryHeap.min, top.deadline <= now {
            expiryHeap.popMin()
            guard let entry = entries[top.element], entry.expiryOrder == top.order else { continue }
            remove(top.element, now: now)
            actions += finalActions(for: entry.message.header, status: .expired, now: now) + [.cancel(top.element)]
        }
        while let top = replayHeap.min, top.deadline <= now {
            replayHeap.popMin()
            let key = top.element
            guard var entry = entries[key], entry.generation == top.order, case .replaying = entry.place else { continue }
            if entry.message.header.ttl == nil, entry.replays >= configuration.maximumReplaysWithoutTTL {
                remove(key, now: now)
                actions += finalActions(for: entry.message.header, status: .replayLimitReached, now: now) + [.cancel(key)]
                continue
            }
            let delay = configuration.replay.nextDelay(after: entry.lastDelay)
            entry.replays += 1
            entry.lastDelay = delay
            entry.generation = takeOrder()
            entry.place = .replaying(due: now + delay)
            entries[key] = entry
            replayHeap.push(now + delay, entry.generation, key)
            actions.append(.replay(entry.message, key: entry.key))
        }
        compactIfNeeded()
        return actions
    }

    /// When ``tick(now:)`` next may have something to do; nil when nothing is tracked.
    public var nextDeadline: UInt64? {
        switch (replayHeap.min?.deadline, expiryHeap.min?.deadline) {
        case (let a?, let b?): min(a, b)
        case (let a?, nil): a
        case (nil, let b?): b
        case (nil, nil): nil
        }
    }

    // MARK: Internals

    private mutating func takeOrder() -> UInt64 {
        defer { nextOrder += 1 }
        return nextOrder
    }

    private mutating func startReplaying(_ key: Key, due: UInt64) {
        guard var entry = entries[key] else { return }
        entry.generation = takeOrder()
        entry.place = .replaying(due: due)
        entries[key] = entry
        pairs[entry.counterparties, default: Pair()].replaying.insert(key)
        replayHeap.push(due, entry.generation, key)
    }

    /// Removes a tracked message from its place; promotes the pair's oldest waiting message when a
    /// replaying one leaves.
    private mutating func remove(_ key: Key, now: UInt64) {
        guard let entry = entries.removeValue(forKey: key) else { return }
        trackedBytes -= entry.message.payload.count
        let pairKey = entry.counterparties
        // The pair is modified in place in the dictionary: no copy of its set or FIFO.
        switch entry.place {
        case .waiting:
            if let index = pairs[pairKey]?.waiting.firstIndex(of: key) { pairs[pairKey]?.waiting.remove(at: index) }
        case .replaying:
            pairs[pairKey]?.replaying.remove(key)
            promoteWaiting(of: pairKey, now: now)
        }
        if let pair = pairs[pairKey], pair.replaying.isEmpty, pair.waiting.isEmpty { pairs[pairKey] = nil }
        compactIfNeeded()
    }

    /// Moves the pair's oldest waiting messages to replaying while the pair is below its bound.
    private mutating func promoteWaiting(of pairKey: Counterparties, now: UInt64) {
        while let pair = pairs[pairKey], pair.replaying.count < configuration.maximumReplayingPerPair,
            !pair.waiting.isEmpty
        {
            guard let next = pairs[pairKey]?.waiting.removeFirst() else { return }
            guard let waiting = entries[next] else { continue }
            startReplaying(next, due: max(now, waiting.sentAt + configuration.replay.firstDelay))
        }
    }

    private func finalActions(for header: AuthenticatedMessageHeader, status: DeliveryStatus.Status, now: UInt64) -> [Action] {
        let marker: DeliveryMarker.Kind = status.isDelivered ? .delivered : .ttlExpired
        return [
            .writeMarker(DeliveryMarker(kind: marker, source: header.source, messageID: header.messageID, timestamp: now)),
            .deliveryStatus(
                DeliveryStatus(
                    status: status, source: header.source, destination: header.destination, messageID: header.messageID,
                    timestamp: now)),
        ]
    }

    /// Drops stale heap items once they outnumber the live ones.
    private mutating func compactIfNeeded() {
        let bound = 2 * entries.count + 64
        if replayHeap.count > bound {
            let entries = self.entries
            replayHeap.rebuild { key, order in entries[key]?.generation == order }
        }
        if expiryHeap.count > bound {
            let entries = self.entries
            expiryHeap.rebuild { key, order in entries[key]?.expiryOrder == order }
        }
    }
}
