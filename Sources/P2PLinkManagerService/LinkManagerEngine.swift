import NIOCore
public import P2PBus
import P2PCrypto
public import P2PIdentity
public import P2PLinkManager
public import P2PMembership
import P2PSession
import P2PWire

/// The link manager's state in one place: the pure state machines of `P2PLinkManager`
/// (`DeliveryTracker`, one `OutboundSessionPool` per pair, `InboundSessionTable`,
/// `InboundDeduplicator`) and the session crypto of `P2PSession`, fed with bus records and ticks.
/// Every input appends ``LinkManagerOutput``s that the driver carries out in order (``drain()``).
///
/// Not thread-safe: `LinkManagerService` owns one and calls it from its actor.
public final class LinkManagerEngine {
    public let directory: MembershipDirectory
    public let topics: LinkManagerTopics
    /// The `link.in` partitions this link manager consumes (written to `session.out.partitions` for
    /// every session it holds); changed by ``reassign(_:)``.
    public private(set) var partitions: [Int]
    /// The `p2p.out` partitions this link manager consumes (`nil` until the first
    /// ``assignOutbound(_:now:)``); their messages' marker state is its to keep.
    public private(set) var outboundPartitions: Set<Int>?
    /// The partition count of `p2p.out.markers`: a marker goes to the partition numbered like its
    /// message's `p2p.out` partition (modulo this).
    public let markerPartitions: Int
    public private(set) var counters = LinkManagerCounters()

    /// The configuration in force; changed by ``reconfigure(_:now:)``.
    public private(set) var configuration: LinkManagerConfiguration
    private var tracker: DeliveryTracker
    private var poolConfiguration: SessionPoolConfiguration
    private var pools: [Counterparties: OutboundSessionPool] = [:]
    private var outbound: [SessionID: OutboundSession] = [:]
    private var inboundTable: InboundSessionTable
    private var inbound: [SessionID: InboundSession] = [:]
    private var deduplicator: InboundDeduplicator
    /// The tracked messages themselves, for sealing when a pool says `send`, with the `p2p.out`
    /// partition they came from (their marker state's partition).
    private var pending: [DeliveryTracker.Key: (message: AuthenticatedMessage, key: [UInt8], partition: Int)] = [:]
    private var pendingAcks: [SessionID: [MessageID]] = [:]
    private var outputs: [LinkManagerOutput] = []
    private var random = SystemRandomNumberGenerator()
    private var cryptoRandom = SystemRandomSource()
    private var identityCache = IdentityCache()

    public init(
        directory: MembershipDirectory, configuration: LinkManagerConfiguration, partitions: [Int],
        topics: LinkManagerTopics = LinkManagerTopics(), markerPartitions: Int = 8
    ) throws(LinkManagerError) {
        guard markerPartitions >= 1 else { throw LinkManagerError(.invalidConfiguration, "markerPartitions < 1") }
        self.markerPartitions = markerPartitions
        self.directory = directory
        self.topics = topics
        self.partitions = partitions.sorted()
        self.configuration = configuration
        tracker = DeliveryTracker(configuration: try DeliveryTracker.Configuration(configuration))
        poolConfiguration = try SessionPoolConfiguration(configuration)
        inboundTable = InboundSessionTable(configuration: try InboundSessionTable.Configuration(configuration))
        deduplicator = InboundDeduplicator(configuration: try InboundDeduplicator.Configuration())
    }

    /// Messages tracked and not yet acknowledged or expired.
    public var trackedCount: Int { tracker.trackedCount }
    /// The tracker's bound on tracked messages (a marker-state load reads at most this many entries).
    public var maximumTrackedMessages: Int { tracker.configuration.maximumTrackedMessages }
    public var outboundSessionCount: Int { outbound.count }
    public var inboundSessionCount: Int { inbound.count }

    /// The outputs collected since the last call.
    public func drain() -> [LinkManagerOutput] {
        defer { outputs = [] }
        return outputs
    }

    // MARK: p2p.out

    /// A record from `p2p.out` partition `partition`. Returns `false` when it must not be
    /// acknowledged yet (the tracker is full: the bus delivers it again later). A tracked message's
    /// outputs include its marker state (`putMarkerState`): the driver acknowledges the record only
    /// once that write is accepted. A record of a partition this engine no longer owns (taken away
    /// between the poll and now) is left unacknowledged: the bus delivers it to the new owner.
    public func handleOutbound(key: [UInt8], value: [UInt8], partition: Int = 0, now: UInt64) -> Bool {
        if let owned = outboundPartitions, !owned.contains(partition) { return false }
        guard let message = decodeApplicationMessage(value) else {
            counters.malformedRecords += 1
            return true
        }
        switch message {
        case .unauthenticated(let unauthenticated):
            let decision = OutboundRouter.route(unauthenticated, key: key) { self.directory.isHosted($0) }
            if case .local(let key, let message, _, _) = decision {
                deliverLocally(key: key, message: message)
            } else {
                sendUnauthenticated(unauthenticated, now: now)
            }
            return true
        case .authenticated(let authenticated):
            switch OutboundRouter.route(authenticated, key: key, now: now, isHostedLocally: { self.directory.isHosted($0) }) {
            case .expired(let markers, let status):
                for marker in markers { writeMarker(marker, partition: partition, keepsState: false) }
                publishStatus(status)
            case .local(let key, let message, let markers, let status):
                deliverLocally(key: key, message: message)
                for marker in markers { writeMarker(marker, partition: partition, keepsState: false) }
                if let status { publishStatus(status) }
            case .remote:
                let trackerKey = DeliveryTracker.Key(source: authenticated.header.source, messageID: authenticated.header.messageID)
                guard tracker.place(of: trackerKey) == nil else {
                    // A redelivered record: its state write may have failed, so it is written again.
                    if let entry = pending[trackerKey] {
                        writeMarkerState(.sent(entry.message, key: entry.key, at: now), partition: entry.partition)
                    }
                    return true
                }
                let actions: [DeliveryTracker.Action]
                do {
                    actions = try tracker.track(authenticated, key: key, now: now)
                } catch {
                    return false
                }
                pending[trackerKey] = (authenticated, key, partition)
                perform(actions, now: now)
                if tracker.place(of: trackerKey) != nil { submit(authenticated, now: now) }
            }
            return true
        }
    }

    /// Authenticated messages decode through the identity cache (parsing X.500 names dominates).
    private func decodeApplicationMessage(_ value: [UInt8]) -> AppMessage? {
        if (try? AppRecordType.of(value)) == .authenticatedMessage {
            return (try? AuthenticatedMessage(decoding: value, cache: &identityCache)).map(AppMessage.authenticated)
        }
        return try? AppMessage(decoding: value)
    }

    // MARK: Assignment

    /// The `link.in` consumer's assignment changed: every session this engine holds is re-pointed
    /// to the partitions it now consumes (`setPartitions`), so that their frames keep reaching it and
    /// not the instance that took the partitions over (`docs/distributed.md`).
    public func reassign(_ assigned: [Int]) {
        let sorted = assigned.sorted()
        guard sorted != partitions else { return }
        partitions = sorted
        for id in outbound.keys { outputs.append(.setPartitions(id, sorted)) }
        for id in inbound.keys { outputs.append(.setPartitions(id, sorted)) }
    }

    // MARK: p2p.out assignment and marker recovery

    /// The `p2p.out` consumer's assignment: every tracked message of a partition taken away is
    /// released (no marker, no status, no state change: the new owner recovers it). Returns the
    /// newly assigned partitions, whose marker state the driver loads and hands to
    /// ``recover(partition:entries:now:)`` (all of them on the first call).
    public func assignOutbound(_ assigned: [Int], now: UInt64) -> [Int] {
        let owned = Set(assigned)
        let previous = outboundPartitions ?? []
        outboundPartitions = owned
        let revoked = previous.subtracting(owned)
        if !revoked.isEmpty {
            for (key, entry) in pending where revoked.contains(entry.partition) {
                tracker.release(key, now: now)
                pending[key] = nil
                pools[Counterparties(outbound: entry.message.header)]?.discard(key.messageID)
                counters.markersReleased += 1
            }
        }
        return owned.subtracting(previous).sorted()
    }

    /// The driver could not load a newly assigned partition's state: the partition counts as not
    /// yet assigned, so the next ``assignOutbound(_:now:)`` returns it again.
    public func markerStateUnavailable(partition: Int) {
        outboundPartitions?.remove(partition)
    }

    /// The marker state of `p2p.out` partition `partition` (the table entries under
    /// `p<partition>`): every `sent` entry not tracked yet is tracked at its original sent time
    /// (`track(…, recoveredAt:)`: no second sent marker, first replay at the next tick); one whose
    /// TTL passed gets its `ttlExpired` marker, `expired` status and state deletion once. Entries the
    /// tracker has no room for stay in the state (`markersNotRecovered`). Ignored when the partition
    /// is no longer this engine's.
    public func recover(partition: Int, entries: [TableEntry], now: UInt64) {
        guard outboundPartitions?.contains(partition) ?? false else { return }
        for entry in entries {
            guard let marker = try? DeliveryMarker(decoding: entry.value), case .sent(let message, let key) = marker.kind,
                entry.key == Self.markerStateKey(partition: partition, source: marker.source, messageID: marker.messageID)
            else {
                counters.malformedRecords += 1
                continue
            }
            let trackerKey = DeliveryTracker.Key(source: marker.source, messageID: marker.messageID)
            guard tracker.place(of: trackerKey) == nil else { continue }
            let actions: [DeliveryTracker.Action]
            do {
                actions = try tracker.track(message, key: key, now: now, recoveredAt: marker.timestamp)
            } catch {
                counters.markersNotRecovered += 1
                continue
            }
            if tracker.place(of: trackerKey) != nil {
                pending[trackerKey] = (message, key, partition)
                counters.markersRecovered += 1
            }
            perform(actions, now: now, partition: partition)
        }
    }

    /// The `p2p.out.markers.state` key of a message taken from `p2p.out` partition `partition`:
    /// `p<partition>.` and the SHA-256 (hex) of its source and message id.
    public static func markerStateKey(partition: Int, source: HoldingIdentity, messageID: MessageID) -> String {
        "p\(partition)." + hexDigest([source.description, messageID.value])
    }

    // MARK: Configuration

    /// Applies a new configuration to the running link manager (`docs/configuration.md`, "Live changes"):
    /// every part is validated first, so an invalid one changes nothing. Sessions are kept: new timeouts,
    /// heartbeat, replay and expiry settings apply from the next tick, `maxMessageSizeBytes` to the next
    /// handshake, `sessionsPerPeer` at once (new sessions open in pools in use; a lower value closes the
    /// surplus, keeping active sessions first, and their unacknowledged messages are replayed over the others).
    public func reconfigure(_ configuration: LinkManagerConfiguration, now: UInt64) throws(LinkManagerError) {
        let trackerConfiguration = try DeliveryTracker.Configuration(configuration)
        let pool = try SessionPoolConfiguration(configuration)
        let inboundConfiguration = try InboundSessionTable.Configuration(configuration)
        self.configuration = configuration
        tracker.reconfigure(trackerConfiguration, now: now)
        poolConfiguration = pool
        for pair in Array(pools.keys) {
            perform(pools[pair]?.reconfigure(pool, now: now) ?? [], pair: pair, now: now)
        }
        inboundTable.reconfigure(inboundConfiguration)
    }

    /// The modes and largest message of a handshake in `group`: the group's policy, with the message size
    /// lowered to this link manager's `maxMessageSizeBytes` when that is smaller.
    private func handshakeSettings(group: GroupID) -> (modes: P2PSession.ProtocolModes, maxMessageSize: Int) {
        let settings = directory.sessionSettings(group: group)
        return (settings.modes, min(settings.maxMessageSize, configuration.maxMessageSizeBytes))
    }

    // MARK: Timers

    /// The periodic tick: replays and TTL expiry, heartbeats, session timeouts and handshake
    /// resends, inbound-session expiry, de-duplication pruning.
    public func tick(now: UInt64) {
        perform(tracker.tick(now: now), now: now)
        for pair in Array(pools.keys) {
            perform(pools[pair]?.tick(now: now) ?? [], pair: pair, now: now)
        }
        for id in inboundTable.expire(now: now) {
            inbound[id] = nil
            outputs.append(.removePartitions(id))
        }
        deduplicator.prune(now: now)
    }

    // MARK: Tracker and pool actions

    /// `partition`: the `p2p.out` partition of messages not (or no longer) in `pending`.
    private func perform(_ actions: [DeliveryTracker.Action], now: UInt64, partition: Int? = nil) {
        for action in actions {
            switch action {
            case .writeMarker(let marker):
                let place = pending[DeliveryTracker.Key(source: marker.source, messageID: marker.messageID)]?.partition ?? partition
                writeMarker(marker, partition: place, keepsState: place != nil)
            case .replay(let message, _):
                counters.replays += 1
                submit(message, now: now)
            case .deliveryStatus(let status):
                publishStatus(status)
            case .cancel(let key):
                if let entry = pending.removeValue(forKey: key) {
                    pools[Counterparties(outbound: entry.message.header)]?.discard(key.messageID)
                }
            }
        }
    }

    private func submit(_ message: AuthenticatedMessage, now: UInt64) {
        let pair = Counterparties(outbound: message.header)
        if pools[pair] == nil { pools[pair] = OutboundSessionPool(counterparties: pair, configuration: poolConfiguration) }
        let queued = OutboundSessionPool.QueuedMessage(messageID: message.header.messageID, byteCount: message.payload.count)
        // A full queue is back-pressure: the tracker offers the message again at its next replay.
        guard let actions = try? pools[pair]?.submit(queued, now: now, random: &random) else { return }
        perform(actions, pair: pair, now: now)
    }

    private func perform(_ actions: [OutboundSessionPool.Action], pair: Counterparties, now: UInt64) {
        for action in actions {
            switch action {
            case .openSession(let slot):
                openSession(slot: slot, pair: pair, now: now)
            case .replaceSession(let slot, let old):
                forgetOutbound(old)
                openSession(slot: slot, pair: pair, now: now)
            case .send(let messageID, let sessionID):
                sendData(DeliveryTracker.Key(source: pair.ours, messageID: messageID), over: sessionID, now: now)
            case .sendHeartbeat(let sessionID):
                sendHeartbeat(sessionID, now: now)
            case .resendHandshake(let sessionID):
                if let frame = outbound[sessionID]?.lastHandshake { emit(frame, to: pair.peer) }
            case .tombstone(let sessionID):
                forgetOutbound(sessionID)
            }
        }
    }

    private func openSession(slot: Int, pair: Counterparties, now: UInt64) {
        guard let ours = directory.hosted(pair.ours), let peer = directory.peer(pair.peer), peer.isActive,
            !peer.endpoints.isEmpty
        else {
            try? pools[pair]?.sessionOpenFailed(slot: slot, now: now)
            return
        }
        let settings = handshakeSettings(group: pair.peer.groupID)
        do {
            let initiator = try SessionInitiator(
                configuration: InitiatorConfiguration(
                    identity: ours.signingKey, responderIdentity: peer.sessionKey, groupID: pair.peer.groupID.value,
                    supportedModes: settings.modes, maxMessageSize: settings.maxMessageSize),
                random: &cryptoRandom)
            let hello = initiator.hello
            guard let id = SessionID(bytes: hello.sessionID) else { throw ClusterError(.invalidState, "session id") }
            let frame = try LinkFrame(
                sessionID: id, sequenceNumber: 0, timestamp: now,
                body: .initiatorHello(
                    P2PWire.InitiatorHello(
                        ephemeralPublicKey: ByteBuffer(bytes: hello.ephemeralKey),
                        supportedModes: P2PWire.ProtocolModes(rawValue: hello.supportedModes.rawValue),
                        identityKeyHash: ByteBuffer(bytes: hello.initiatorKeyHash),
                        groupID: ByteBuffer(string: hello.groupID))))
            let session = OutboundSession(pair: pair, initiator: initiator)
            session.lastHandshake = frame
            outbound[id] = session
            outputs.append(.setPartitions(id, partitions))
            emit(frame, to: pair.peer)
            try pools[pair]?.sessionOpened(slot: slot, sessionID: id, now: now)
        } catch {
            try? pools[pair]?.sessionOpenFailed(slot: slot, now: now)
        }
    }

    private func forgetOutbound(_ id: SessionID) {
        outbound[id] = nil
        outputs.append(.removePartitions(id))
    }

    private func sendData(_ key: DeliveryTracker.Key, over id: SessionID, now: UInt64) {
        guard let entry = pending[key], let session = outbound[id], let box = session.transport else { return }
        let payload = SealedDataPayload(key: entry.key, message: entry.message)
        do {
            let frame = try FrameSealing.seal(
                &box.transport, type: .data, sessionID: id, payload: try payload.encoded(), expiry: payload.expiry, now: now)
            emit(encoded: frame, to: session.pair.peer)
            counters.dataFramesSent += 1
        } catch {
            counters.framesRejected += 1
        }
        if box.transport.rekeyNeeded { perform(pools[session.pair]?.replace(id) ?? [], pair: session.pair, now: now) }
    }

    private func sendHeartbeat(_ id: SessionID, now: UInt64) {
        guard let session = outbound[id], let box = session.transport else { return }
        session.heartbeatSequence += 1
        let payload = HeartbeatPayload(sequence: session.heartbeatSequence, sentAt: now).encoded()
        guard let frame = try? FrameSealing.seal(&box.transport, type: .heartbeat, sessionID: id, payload: payload, now: now)
        else { return }
        emit(encoded: frame, to: session.pair.peer)
    }

    // MARK: Outputs

    func emit(_ frame: LinkFrame, to destination: HoldingIdentity) {
        emit(encoded: FrameSealing.encode(frame), to: destination)
    }

    func emit(encoded frame: ByteBuffer, to destination: HoldingIdentity) {
        guard let peer = directory.peer(destination), !peer.endpoints.isEmpty else { return }
        let name = destination.description
        let record = LinkOutRecord(destination: name, endpoints: Array(peer.endpoints.prefix(LinkOutRecord.maximumEndpoints)), frame: frame)
        guard let value = try? record.encoded() else { return }
        outputs.append(.publish(BusRecord(topic: topics.linkOut, key: Array(name.utf8), value: value)))
    }

    func deliverLocally(key: [UInt8], message: AppMessage) {
        guard let value = try? message.encoded() else { return }
        var recordID: String?
        if case .authenticated(let authenticated) = message { recordID = Self.deliveryRecordID(authenticated.header) }
        outputs.append(.publish(BusRecord(topic: topics.p2pIn, key: key, value: value, recordID: recordID)))
        counters.deliveredToApplications += 1
    }

    /// The `p2p.in` record id of an authenticated message: the same for every copy of it, whichever
    /// link-manager instance delivers it, so the topic's de-duplication window stores it once.
    /// SHA-256 of source, destination and message id (each length-prefixed), in hex.
    public static func deliveryRecordID(_ header: AuthenticatedMessageHeader) -> String {
        "m-" + hexDigest([header.source.description, header.destination.description, header.messageID.value])
    }

    /// SHA-256 of the fields, each prefixed by its UTF-8 length (u32, big-endian), in hex.
    static func hexDigest(_ fields: [String]) -> String {
        var bytes: [UInt8] = []
        for field in fields {
            let utf8 = Array(field.utf8)
            withUnsafeBytes(of: UInt32(utf8.count).bigEndian) { bytes += $0 }
            bytes += utf8
        }
        return SHA256.hash(bytes).map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    /// Publishes `marker` to `p2p.out.markers` (in the partition numbered like `partition`, when
    /// known) and, with `keepsState`, keeps the message's marker state: `sent` writes it, an outcome
    /// deletes it.
    private func writeMarker(_ marker: DeliveryMarker, partition: Int?, keepsState: Bool) {
        guard let value = try? marker.encoded() else { return }
        outputs.append(
            .publish(
                BusRecord(
                    topic: topics.markers, key: Array(marker.messageID.value.utf8), value: value,
                    partition: partition.map { $0 % markerPartitions })))
        guard keepsState, let partition else { return }
        let stateKey = Self.markerStateKey(partition: partition, source: marker.source, messageID: marker.messageID)
        if case .sent = marker.kind {
            outputs.append(.putMarkerState(key: stateKey, value: value))
        } else {
            outputs.append(.deleteMarkerState(key: stateKey))
        }
    }

    /// Writes the `sent` state of a tracked message again (no marker on the stream).
    private func writeMarkerState(_ marker: DeliveryMarker, partition: Int) {
        guard let value = try? marker.encoded() else { return }
        outputs.append(
            .putMarkerState(key: Self.markerStateKey(partition: partition, source: marker.source, messageID: marker.messageID), value: value))
    }

    private func publishStatus(_ status: DeliveryStatus) {
        guard let value = try? status.encoded() else { return }
        if status.status.isDelivered { counters.statusesDelivered += 1 } else { counters.statusesExpired += 1 }
        outputs.append(.publish(BusRecord(topic: topics.deliveryStatus, key: Array(status.messageID.value.utf8), value: value)))
    }
}

// MARK: - link.in

extension LinkManagerEngine {
    /// A record from `link.in`: one encoded link frame.
    public func handleInbound(value: [UInt8], now: UInt64) {
        var buffer = ByteBuffer(bytes: value)
        guard let frame = try? LinkFrame.decode(from: &buffer) else {
            counters.framesRejected += 1
            return
        }
        let id = frame.header.sessionID
        switch frame.body {
        case .initiatorHello(let hello): receiveInitiatorHello(hello, id: id, now: now)
        case .responderHello(let hello): receiveResponderHello(hello, id: id, now: now)
        case .initiatorHandshake(let payload): receiveInitiatorHandshake(Array(payload.readableBytesView), id: id, now: now)
        case .responderHandshake(let payload): receiveResponderHandshake(Array(payload.readableBytesView), id: id, now: now)
        case .data: receiveData(frame, id: id, now: now)
        case .ack: receiveAck(frame, id: id, now: now)
        case .heartbeat: receiveHeartbeat(frame, id: id, now: now)
        case .unauthenticated(let message): receiveUnauthenticated(message)
        }
    }

    /// A fire-and-forget message to a member of another cluster: one Unauthenticated frame (session
    /// id zero), no session, no tracking, no acknowledgement.
    func sendUnauthenticated(_ message: P2PLinkManager.UnauthenticatedMessage, now: UInt64) {
        let header = message.header
        guard let peer = directory.peer(header.destination), peer.isActive,
            let frame = try? LinkFrame(
                sessionID: .zero, sequenceNumber: 0, timestamp: now,
                body: .unauthenticated(
                    P2PWire.UnauthenticatedMessage(
                        expiry: 0, source: ByteBuffer(string: header.source.name.description),
                        sourceGroupID: ByteBuffer(string: header.source.groupID.value),
                        destination: ByteBuffer(string: header.destination.name.description),
                        destinationGroupID: ByteBuffer(string: header.destination.groupID.value),
                        messageID: ByteBuffer(string: header.messageID.value), subsystem: ByteBuffer(string: header.subsystem),
                        payload: ByteBuffer(bytes: message.payload))))
        else {
            counters.framesRejected += 1
            return
        }
        emit(frame, to: peer.identity)
    }

    /// An Unauthenticated frame: delivered when its destination is hosted here and its source is a
    /// member of the destination's group; dropped otherwise.
    private func receiveUnauthenticated(_ message: P2PWire.UnauthenticatedMessage) {
        guard let sourceName = try? X500Name(String(buffer: message.source)),
            let sourceGroup = try? GroupID(String(buffer: message.sourceGroupID)),
            let destinationName = try? X500Name(String(buffer: message.destination)),
            let destinationGroup = try? GroupID(String(buffer: message.destinationGroupID)),
            let messageID = try? MessageID(String(buffer: message.messageID))
        else {
            counters.framesRejected += 1
            return
        }
        let source = HoldingIdentity(name: sourceName, groupID: sourceGroup)
        let destination = HoldingIdentity(name: destinationName, groupID: destinationGroup)
        guard sourceGroup == destinationGroup, directory.isHosted(destination), directory.peer(source) != nil else {
            counters.framesRejected += 1
            return
        }
        let delivered = P2PLinkManager.UnauthenticatedMessage(
            header: UnauthenticatedMessageHeader(
                destination: destination, source: source, messageID: messageID, subsystem: String(buffer: message.subsystem)),
            payload: Array(message.payload.readableBytesView))
        deliverLocally(key: Array(messageID.value.utf8), message: .unauthenticated(delivered))
    }

    /// Sends the acknowledgements collected from the Data frames handled since the last call, one
    /// Ack frame per session per ``AckPayload/maximumMessageIDs`` ids.
    public func flushAcknowledgements(now: UInt64) {
        let acks = pendingAcks
        pendingAcks = [:]
        for (id, messageIDs) in acks {
            guard let session = inbound[id], let box = session.transport else { continue }
            var start = 0
            while start < messageIDs.count {
                let chunk = Array(messageIDs[start..<min(messageIDs.count, start + AckPayload.maximumMessageIDs)])
                start += chunk.count
                guard let payload = try? AckPayload(messageIDs: chunk).encoded(),
                    let frame = try? FrameSealing.seal(&box.transport, type: .ack, sessionID: id, payload: payload, now: now)
                else { continue }
                emit(encoded: frame, to: session.peer)
            }
        }
    }

    private func receiveInitiatorHello(_ hello: P2PWire.InitiatorHello, id: SessionID, now: UInt64) {
        let keyHash = Array(hello.identityKeyHash.readableBytesView)
        let group = String(buffer: hello.groupID)
        guard let peer = directory.peer(keyHash: keyHash, groupID: group), peer.isActive else {
            counters.framesRejected += 1
            return
        }
        switch try? inboundTable.helloReceived(id, peer: peer.identity, now: now) {
        case .none:
            counters.framesRejected += 1
            return
        case .retransmission:
            if let frame = inbound[id]?.lastResponse { emit(frame, to: peer.identity) }
            return
        case .accepted(let evicted):
            if let evicted {
                inbound[evicted] = nil
                outputs.append(.removePartitions(evicted))
            }
        }
        let settings = handshakeSettings(group: peer.identity.groupID)
        do {
            let sessionHello = try P2PSession.InitiatorHello(
                sessionID: id.bytes, ephemeralKey: Array(hello.ephemeralPublicKey.readableBytesView),
                supportedModes: P2PSession.ProtocolModes(rawValue: hello.supportedModes.rawValue),
                initiatorKeyHash: keyHash, groupID: group)
            var responder = try SessionResponder(
                configuration: ResponderConfiguration(supportedModes: settings.modes, maxMessageSize: settings.maxMessageSize),
                random: &cryptoRandom)
            let reply = try responder.receive(sessionHello)
            guard let mode = P2PWire.ProtocolMode(rawValue: reply.selectedMode.rawValue) else {
                throw ClusterError(.invalidState, "mode")
            }
            let frame = try LinkFrame(
                sessionID: id, sequenceNumber: 0, timestamp: now,
                body: .responderHello(P2PWire.ResponderHello(ephemeralPublicKey: ByteBuffer(bytes: reply.ephemeralKey), selectedMode: mode)))
            let session = InboundSession(peer: peer.identity, responder: responder)
            session.lastResponse = frame
            inbound[id] = session
            outputs.append(.setPartitions(id, partitions))
            emit(frame, to: peer.identity)
        } catch {
            inboundTable.remove(id)
            counters.framesRejected += 1
        }
    }

    private func receiveResponderHello(_ hello: P2PWire.ResponderHello, id: SessionID, now: UInt64) {
        guard let session = outbound[id] else { return }
        _ = pools[session.pair]?.acknowledged(id, now: now)
        guard var initiator = session.initiator.take() else { return }
        var handshake: P2PSession.InitiatorHandshake?
        if let mode = P2PSession.ProtocolMode(rawValue: hello.selectedMode.rawValue),
            let sessionHello = try? P2PSession.ResponderHello(ephemeralKey: Array(hello.ephemeralPublicKey.readableBytesView), selectedMode: mode)
        {
            handshake = try? initiator.receive(sessionHello)
        }
        session.initiator = consume initiator
        guard let handshake,
            let frame = try? LinkFrame(
                sessionID: id, sequenceNumber: 0, timestamp: now,
                body: .initiatorHandshake(sealedPayload: ByteBuffer(bytes: handshake.sealed)))
        else {
            counters.framesRejected += 1
            return
        }
        session.lastHandshake = frame
        emit(frame, to: session.pair.peer)
    }

    private func receiveInitiatorHandshake(_ sealed: [UInt8], id: SessionID, now: UInt64) {
        guard let session = inbound[id] else { return }
        inboundTable.touch(id, now: now)
        guard var responder = session.responder.take() else {
            // Established already: a retransmission gets the cached answer.
            if let frame = session.lastResponse { emit(frame, to: session.peer) }
            return
        }
        var reply: P2PSession.ResponderHandshake?
        if let handshake = try? P2PSession.InitiatorHandshake(sealed: sealed) {
            reply = try? responder.receive(handshake, lookup: directory)
        }
        guard let reply, let parameters = responder.parameters,
            let local = directory.hosted(keyHash: parameters.responderKeyHash, groupID: parameters.groupID),
            let frame = try? LinkFrame(
                sessionID: id, sequenceNumber: 0, timestamp: now,
                body: .responderHandshake(sealedPayload: ByteBuffer(bytes: reply.sealed)))
        else {
            session.responder = consume responder
            counters.framesRejected += 1
            return
        }
        guard let transport = try? responder.transportSession() else { return }
        session.transport = TransportBox(transport)
        session.lastResponse = frame
        try? inboundTable.established(id, local: local.identity, now: now)
        counters.handshakesCompleted += 1
        emit(frame, to: session.peer)
    }

    private func receiveResponderHandshake(_ sealed: [UInt8], id: SessionID, now: UInt64) {
        guard let session = outbound[id], var initiator = session.initiator.take() else { return }
        var accepted = false
        if let handshake = try? P2PSession.ResponderHandshake(sealed: sealed) {
            accepted = (try? initiator.receive(handshake)) != nil
        }
        guard accepted else {
            session.initiator = consume initiator
            counters.framesRejected += 1
            return
        }
        guard let transport = try? initiator.transportSession() else { return }
        session.transport = TransportBox(transport)
        session.lastHandshake = nil
        counters.handshakesCompleted += 1
        let pair = session.pair
        _ = pools[pair]?.acknowledged(id, now: now)
        perform(pools[pair]?.sessionEstablished(id, now: now, random: &random) ?? [], pair: pair, now: now)
    }

    private func receiveData(_ frame: LinkFrame, id: SessionID, now: UInt64) {
        guard let session = inbound[id], let box = session.transport,
            let plaintext = try? FrameSealing.open(&box.transport, frame),
            let payload = try? SealedDataPayload(decoding: plaintext, cache: &identityCache),
            (try? payload.verify(frameExpiry: frame.expiry ?? 0)) != nil
        else {
            counters.framesRejected += 1
            return
        }
        let header = payload.message.header
        guard (try? inboundTable.validateData(id, source: header.source, destination: header.destination, now: now)) != nil else {
            counters.framesRejected += 1
            return
        }
        switch deduplicator.admit(source: header.source, messageID: header.messageID, ttl: header.ttl, now: now) {
        case .deliver: deliverLocally(key: payload.key, message: .authenticated(payload.message))
        case .duplicate: counters.duplicatesDropped += 1
        case .expired: counters.expiredOnArrival += 1
        }
        pendingAcks[id, default: []].append(header.messageID)
    }

    private func receiveAck(_ frame: LinkFrame, id: SessionID, now: UInt64) {
        guard let session = outbound[id], let box = session.transport,
            let plaintext = try? FrameSealing.open(&box.transport, frame),
            let ack = try? AckPayload(decoding: plaintext)
        else {
            counters.framesRejected += 1
            return
        }
        let pair = session.pair
        _ = pools[pair]?.acknowledged(id, now: now)
        for messageID in ack.messageIDs {
            let key = DeliveryTracker.Key(source: pair.ours, messageID: messageID)
            perform(tracker.acknowledged(key, now: now), now: now)
            pending[key] = nil
            pools[pair]?.discard(messageID)
        }
    }

    private func receiveHeartbeat(_ frame: LinkFrame, id: SessionID, now: UInt64) {
        guard let session = inbound[id], let box = session.transport,
            let plaintext = try? FrameSealing.open(&box.transport, frame),
            let heartbeat = try? HeartbeatPayload(decoding: plaintext)
        else {
            counters.framesRejected += 1
            return
        }
        inboundTable.touch(id, now: now)
        guard let payload = try? AckPayload(messageIDs: [], heartbeat: heartbeat.sequence).encoded(),
            let ack = try? FrameSealing.seal(&box.transport, type: .ack, sessionID: id, payload: payload, now: now)
        else { return }
        emit(encoded: ack, to: session.peer)
    }
}
