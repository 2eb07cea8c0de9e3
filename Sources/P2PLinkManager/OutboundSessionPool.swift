public import P2PIdentity
public import P2PWire

/// The redundant outbound sessions of one counterparty pair, and the messages waiting for one of
/// them to become active (`docs/link-manager.md` §2). A pure state machine: inputs carry `now`
/// (ms since the Unix epoch) and return the actions the driver carries out.
public struct OutboundSessionPool: Sendable {
    /// A message waiting for a session: its id and payload size (the message itself stays with the
    /// ``DeliveryTracker``).
    public struct QueuedMessage: Hashable, Sendable {
        public let messageID: MessageID
        public let byteCount: Int

        public init(messageID: MessageID, byteCount: Int) {
            self.messageID = messageID
            self.byteCount = byteCount
        }
    }

    /// What the driver must do.
    public enum Action: Hashable, Sendable {
        /// Create an initiator for this slot, send its InitiatorHello, write `session.out.partitions`
        /// for its id, then call ``sessionOpened(slot:sessionID:now:)`` (or ``sessionOpenFailed(slot:now:)``).
        case openSession(slot: Int)
        /// Tombstone `old` in `session.out.partitions`, forget its state, then as ``openSession(slot:)``.
        case replaceSession(slot: Int, old: SessionID)
        /// Seal the message into a Data frame on this session and send it.
        case send(MessageID, over: SessionID)
        /// Send a Heartbeat frame on this session.
        case sendHeartbeat(SessionID)
        /// Resend the session's last handshake message (cached by the initiator).
        case resendHandshake(SessionID)
        /// Tombstone the session in `session.out.partitions` and forget it.
        case tombstone(SessionID)
    }

    /// One slot of the pool.
    public enum SlotState: Hashable, Sendable {
        /// No session; `retryAt` is when a failed opening may be tried again.
        case idle(retryAt: UInt64?)
        /// The driver is creating an initiator.
        case opening
        /// Handshake running.
        case pending(SessionID)
        /// Usable for data.
        case active(SessionID)

        public var sessionID: SessionID? {
            switch self {
            case .pending(let id), .active(let id): id
            case .idle, .opening: nil
            }
        }
    }

    struct Slot: Sendable {
        var state: SlotState = .idle(retryAt: nil)
        var lastSend: UInt64 = 0
        var lastAck: UInt64 = 0
        var openedAt: UInt64 = 0
    }

    public let counterparties: Counterparties
    public private(set) var configuration: SessionPoolConfiguration
    private var slots: [Slot]
    private var queue: [QueuedMessage] = []
    private var queuedIDs: Set<MessageID> = []
    public private(set) var queuedBytes = 0

    public init(counterparties: Counterparties, configuration: SessionPoolConfiguration) {
        self.counterparties = counterparties
        self.configuration = configuration
        slots = Array(repeating: Slot(), count: configuration.sessionsPerPeer)
    }

    // MARK: Inspection

    public var slotStates: [SlotState] { slots.map(\.state) }
    public var queuedMessages: [QueuedMessage] { queue }
    public var activeSessionIDs: [SessionID] {
        slots.compactMap { if case .active(let id) = $0.state { id } else { nil } }
    }
    public func isQueued(_ id: MessageID) -> Bool { queuedIDs.contains(id) }
    /// The slot holding `sessionID`, pending or active.
    public func slot(of sessionID: SessionID) -> Int? { slots.firstIndex { $0.state.sessionID == sessionID } }
    public func lastAck(of sessionID: SessionID) -> UInt64? { slot(of: sessionID).map { slots[$0].lastAck } }

    // MARK: Inputs

    /// Sends `message` over an active session chosen by health weight, or queues it and opens
    /// sessions. Throws `queueFull` (810) when the queue bounds would be exceeded: nothing is queued.
    public mutating func submit(
        _ message: QueuedMessage, now: UInt64, random: inout some RandomNumberGenerator
    ) throws(LinkManagerError) -> [Action] {
        if let index = pickActive(now: now, random: &random), let id = slots[index].state.sessionID {
            slots[index].lastSend = max(slots[index].lastSend, now)
            return [.send(message.messageID, over: id)]
        }
        if !queuedIDs.contains(message.messageID) {
            guard queue.count < configuration.maximumQueuedMessages,
                message.byteCount <= configuration.maximumQueuedBytes - queuedBytes
            else {
                throw LinkManagerError(
                    .queueFull, "\(counterparties): \(queue.count) messages, \(queuedBytes) bytes queued")
            }
            queue.append(message)
            queuedIDs.insert(message.messageID)
            queuedBytes += message.byteCount
        }
        return openIdleSlots(now: now)
    }

    /// The driver created the initiator of `slot` and sent its InitiatorHello.
    public mutating func sessionOpened(slot: Int, sessionID: SessionID, now: UInt64) throws(LinkManagerError) {
        guard slots.indices.contains(slot), slots[slot].state == .opening else {
            throw LinkManagerError(.unknownSlot, "slot \(slot) is not opening")
        }
        slots[slot] = Slot(state: .pending(sessionID), lastSend: now, lastAck: now, openedAt: now)
    }

    /// The driver could not create an initiator (no member info, no key): retried after the timeout.
    public mutating func sessionOpenFailed(slot: Int, now: UInt64) throws(LinkManagerError) {
        guard slots.indices.contains(slot), slots[slot].state == .opening else {
            throw LinkManagerError(.unknownSlot, "slot \(slot) is not opening")
        }
        slots[slot].state = .idle(retryAt: now + configuration.sessionTimeoutMillis)
    }

    /// The ResponderHandshake verified: the session becomes active and every queued message is sent,
    /// each over a session chosen by weight. Unknown or already active ids: nothing.
    public mutating func sessionEstablished(
        _ sessionID: SessionID, now: UInt64, random: inout some RandomNumberGenerator
    ) -> [Action] {
        guard let index = slot(of: sessionID), case .pending = slots[index].state else { return [] }
        slots[index].state = .active(sessionID)
        slots[index].lastAck = max(slots[index].lastAck, now)
        var actions: [Action] = []
        actions.reserveCapacity(queue.count)
        for message in queue {
            guard let chosen = pickActive(now: now, random: &random), let id = slots[chosen].state.sessionID else { break }
            slots[chosen].lastSend = max(slots[chosen].lastSend, now)
            actions.append(.send(message.messageID, over: id))
        }
        queue.removeAll()
        queuedIDs.removeAll()
        queuedBytes = 0
        return actions
    }

    /// A sign of life on `sessionID` (ResponderHello, message ack, heartbeat ack). Returns false for
    /// an id this pool does not hold.
    @discardableResult
    public mutating func acknowledged(_ sessionID: SessionID, now: UInt64) -> Bool {
        guard let index = slot(of: sessionID) else { return false }
        slots[index].lastAck = max(slots[index].lastAck, now)
        return true
    }

    /// Replaces a session at once: its transport needs new keys (`TransportSession.rekeyNeeded`, or
    /// sequence numbers exhausted) or the peer rejected it. Unknown ids: nothing.
    public mutating func replace(_ sessionID: SessionID) -> [Action] {
        guard let index = slot(of: sessionID) else { return [] }
        slots[index] = Slot(state: .opening)
        return [.replaceSession(slot: index, old: sessionID)]
    }

    /// Removes a queued message (acknowledged on another path, or its TTL passed).
    public mutating func discard(_ messageID: MessageID) {
        guard queuedIDs.remove(messageID) != nil, let index = queue.firstIndex(where: { $0.messageID == messageID }) else {
            return
        }
        queuedBytes -= queue[index].byteCount
        queue.remove(at: index)
    }

    /// Timeouts, heartbeats, handshake resends and retries of failed openings that are due at `now`.
    public mutating func tick(now: UInt64) -> [Action] {
        var actions: [Action] = []
        let c = configuration
        for index in slots.indices {
            let slot = slots[index]
            switch slot.state {
            case .pending(let id), .active(let id):
                let timedOut = now >= slot.lastAck && now - slot.lastAck >= c.sessionTimeoutMillis
                let stale = slot.state == .active(id) && c.sessionRefreshMillis.map { now >= slot.openedAt + $0 } == true
                if timedOut || stale {
                    slots[index] = Slot(state: .opening)
                    actions.append(.replaceSession(slot: index, old: id))
                } else if now >= slot.lastSend {
                    if case .active = slot.state, now - slot.lastSend >= c.heartbeatPeriodMillis {
                        slots[index].lastSend = now
                        actions.append(.sendHeartbeat(id))
                    } else if case .pending = slot.state, now - slot.lastSend >= c.handshakeResendPeriodMillis {
                        slots[index].lastSend = now
                        actions.append(.resendHandshake(id))
                    }
                }
            case .idle(let retryAt?) where !queue.isEmpty && now >= retryAt:
                slots[index].state = .opening
                actions.append(.openSession(slot: index))
            case .idle, .opening:
                break
            }
        }
        return actions
    }

    /// When ``tick(now:)`` next has something to do; nil when nothing is scheduled.
    public var nextDeadline: UInt64? {
        var deadline: UInt64?
        func consider(_ t: UInt64) { deadline = Swift.min(deadline ?? t, t) }
        let c = configuration
        for slot in slots {
            switch slot.state {
            case .active:
                consider(slot.lastAck + c.sessionTimeoutMillis)
                consider(slot.lastSend + c.heartbeatPeriodMillis)
                if let refresh = c.sessionRefreshMillis { consider(slot.openedAt + refresh) }
            case .pending:
                consider(slot.lastAck + c.sessionTimeoutMillis)
                consider(slot.lastSend + c.handshakeResendPeriodMillis)
            case .idle(let retryAt?) where !queue.isEmpty:
                consider(retryAt)
            case .idle, .opening:
                break
            }
        }
        return deadline
    }

    /// Applies new settings to a running pool (a live configuration change) without disturbing the sessions
    /// it keeps. Timeouts, heartbeat, resend and refresh periods apply from the next ``tick(now:)``; queue
    /// bounds from the next ``submit(_:now:random:)``. More `sessionsPerPeer`: new slots, opened at once when
    /// the pool is in use (a session or a queued message). Fewer: the pool keeps active sessions first, then
    /// pending ones, then the rest, each in slot order, and tombstones the sessions of the slots it drops (their
    /// unacknowledged messages are replayed by the ``DeliveryTracker`` over the sessions that remain).
    public mutating func reconfigure(_ configuration: SessionPoolConfiguration, now: UInt64) -> [Action] {
        let inUse = !queue.isEmpty || slots.contains { $0.state != .idle(retryAt: nil) }
        self.configuration = configuration
        let wanted = configuration.sessionsPerPeer
        if wanted > slots.count {
            slots += Array(repeating: Slot(), count: wanted - slots.count)
            return inUse ? openIdleSlots(now: now) : []
        }
        guard wanted < slots.count else { return [] }
        func rank(_ slot: Slot) -> Int {
            switch slot.state {
            case .active: 0
            case .pending: 1
            case .opening, .idle: 2
            }
        }
        let keep = Set(slots.indices.sorted { (rank(slots[$0]), $0) < (rank(slots[$1]), $1) }.prefix(wanted))
        let actions = slots.indices.filter { !keep.contains($0) }.compactMap { slots[$0].state.sessionID.map(Action.tombstone) }
        slots = slots.indices.filter(keep.contains).map { slots[$0] }
        return actions
    }

    /// Drops every session and the queue (the pair is no longer served here). Returns the tombstones.
    public mutating func close() -> [Action] {
        let actions = slots.compactMap { $0.state.sessionID.map(Action.tombstone) }
        slots = Array(repeating: Slot(), count: configuration.sessionsPerPeer)
        queue.removeAll()
        queuedIDs.removeAll()
        queuedBytes = 0
        return actions
    }

    // MARK: Internals

    private func pickActive(now: UInt64, random: inout some RandomNumberGenerator) -> Int? {
        // At most 16 slots: indices and weights live on the stack, nothing is allocated per message.
        withUnsafeTemporaryAllocation(of: (index: Int, weight: UInt64).self, capacity: slots.count) { active in
            var count = 0
            for (index, slot) in slots.enumerated() {
                guard case .active = slot.state else { continue }
                // Capped at the timeout (a session older than that is replaced at the next tick): no overflow.
                let weight = now > slot.lastAck ? Swift.min(now - slot.lastAck, configuration.sessionTimeoutMillis) : 0
                active.initializeElement(at: count, to: (index, weight))
                count += 1
            }
            guard count > 0 else { return nil }
            defer { _ = active.prefix(count).deinitialize() }
            if count == 1 { return active[0].index }
            return withUnsafeTemporaryAllocation(of: UInt64.self, capacity: count) { weights in
                for i in 0..<count { weights.initializeElement(at: i, to: active[i].weight) }
                return active[SessionWeighting.pick(weights: UnsafeBufferPointer(weights), using: &random)].index
            }
        }
    }

    private mutating func openIdleSlots(now: UInt64) -> [Action] {
        var actions: [Action] = []
        for index in slots.indices {
            if case .idle(let retryAt) = slots[index].state, retryAt.map({ now >= $0 }) ?? true {
                slots[index].state = .opening
                actions.append(.openSession(slot: index))
            }
        }
        return actions
    }
}
