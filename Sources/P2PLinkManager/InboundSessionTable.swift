public import P2PIdentity
public import P2PWire
public import P2PMembership

/// The sessions for which this link manager is the responder (`docs/link-manager.md` §5): created
/// by an InitiatorHello, expired when idle, bounded per peer and in total, and the spoofing check
/// of every data message. A pure state machine with injected time.
public struct InboundSessionTable: Sendable {
    public struct Configuration: Hashable, Sendable {
        public static let defaultMaximumSessionsPerPeer = 64
        public static let defaultMaximumSessions = 10_000

        /// An established session that received nothing for this long is expired.
        public var idleExpiryMillis: UInt64
        /// A handshake that made no progress for this long is expired.
        public var handshakeTimeoutMillis: UInt64
        public var maximumSessionsPerPeer: Int
        public var maximumSessions: Int

        public init(
            idleExpiryMillis: UInt64 = 600_000, handshakeTimeoutMillis: UInt64 = 10_000,
            maximumSessionsPerPeer: Int = Self.defaultMaximumSessionsPerPeer,
            maximumSessions: Int = Self.defaultMaximumSessions
        ) throws(LinkManagerError) {
            guard idleExpiryMillis > 0, handshakeTimeoutMillis > 0, maximumSessionsPerPeer > 0,
                maximumSessions >= maximumSessionsPerPeer
            else {
                throw LinkManagerError(.invalidConfiguration, "inbound session bounds must be positive, total ≥ per peer")
            }
            self.idleExpiryMillis = idleExpiryMillis
            self.handshakeTimeoutMillis = handshakeTimeoutMillis
            self.maximumSessionsPerPeer = maximumSessionsPerPeer
            self.maximumSessions = maximumSessions
        }

        /// Idle expiry `inboundSessionIdleExpiryMillis`, handshake timeout `sessionTimeoutMillis`.
        public init(_ configuration: LinkManagerConfiguration) throws(LinkManagerError) {
            try self.init(
                idleExpiryMillis: UInt64(max(0, configuration.inboundSessionIdleExpiryMillis)),
                handshakeTimeoutMillis: UInt64(max(0, configuration.sessionTimeoutMillis)))
        }
    }

    public enum State: Hashable, Sendable {
        case handshaking
        /// `local`: our identity the initiator addressed.
        case established(local: HoldingIdentity)
    }

    public struct Session: Hashable, Sendable {
        public let peer: HoldingIdentity
        public internal(set) var state: State
        public let createdAt: UInt64
        public internal(set) var lastActivity: UInt64
    }

    public enum HelloOutcome: Hashable, Sendable {
        /// A new session; `evicted` is an unfinished handshake it displaced (tombstone it).
        case accepted(evicted: SessionID?)
        /// The id is already known: answer with the cached ResponderHello.
        case retransmission
    }

    public private(set) var configuration: Configuration
    private var sessions: [SessionID: Session] = [:]
    private var byPeer: [HoldingIdentity: Set<SessionID>] = [:]

    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    public var count: Int { sessions.count }
    public subscript(id: SessionID) -> Session? { sessions[id] }
    public func sessionCount(of peer: HoldingIdentity) -> Int { byPeer[peer]?.count ?? 0 }

    /// An InitiatorHello from `peer` (resolved from the hello's key hash and group). Throws
    /// `tooManyInboundSessions` (823) when a bound is reached and no unfinished handshake can make room.
    public mutating func helloReceived(_ id: SessionID, peer: HoldingIdentity, now: UInt64) throws(LinkManagerError) -> HelloOutcome {
        if sessions[id] != nil {
            touch(id, now: now)
            return .retransmission
        }
        var evicted: SessionID?
        if sessionCount(of: peer) >= configuration.maximumSessionsPerPeer {
            guard let victim = oldestHandshaking(among: byPeer[peer] ?? []) else {
                throw LinkManagerError(.tooManyInboundSessions, "\(peer) has \(sessionCount(of: peer)) established sessions")
            }
            remove(victim)
            evicted = victim
        } else if sessions.count >= configuration.maximumSessions {
            guard let victim = oldestHandshaking(among: sessions.keys) else {
                throw LinkManagerError(.tooManyInboundSessions, "\(sessions.count) established sessions")
            }
            remove(victim)
            evicted = victim
        }
        sessions[id] = Session(peer: peer, state: .handshaking, createdAt: now, lastActivity: now)
        byPeer[peer, default: []].insert(id)
        return .accepted(evicted: evicted)
    }

    /// The InitiatorHandshake verified: the initiator addressed our identity `local`.
    public mutating func established(_ id: SessionID, local: HoldingIdentity, now: UInt64) throws(LinkManagerError) {
        guard var session = sessions[id] else { throw LinkManagerError(.unknownSession, "\(id)") }
        if case .established(let existing) = session.state, existing != local {
            throw LinkManagerError(.counterpartiesMismatch, "session \(id) is established for another identity")
        }
        session.state = .established(local: local)
        session.lastActivity = max(session.lastActivity, now)
        sessions[id] = session
    }

    /// Any frame received on the session (handshake retransmission, heartbeat).
    public mutating func touch(_ id: SessionID, now: UInt64) {
        guard let last = sessions[id]?.lastActivity else { return }
        sessions[id]?.lastActivity = max(last, now)
    }

    /// The spoofing check of a data message opened on session `id`: its source must be the peer and
    /// its destination our identity of the session. Returns the counterparties (ours, peer).
    public mutating func validateData(
        _ id: SessionID, source: HoldingIdentity, destination: HoldingIdentity, now: UInt64
    ) throws(LinkManagerError) -> Counterparties {
        guard let session = sessions[id] else { throw LinkManagerError(.unknownSession, "\(id)") }
        guard case .established(let local) = session.state else {
            throw LinkManagerError(.sessionNotEstablished, "\(id)")
        }
        guard source == session.peer, destination == local else {
            throw LinkManagerError(.counterpartiesMismatch, "message \(source) → \(destination) on session \(session.peer) → \(local)")
        }
        touch(id, now: now)
        return Counterparties(ours: local, peer: session.peer)
    }

    /// Removes and returns the sessions idle for too long (tombstone them in `session.out.partitions`).
    public mutating func expire(now: UInt64) -> [SessionID] {
        let expired = sessions.filter { isExpired($0.value, now: now) }.map(\.key)
        for id in expired { remove(id) }
        return expired
    }

    /// When the next session expires if nothing arrives on it.
    public var nextDeadline: UInt64? { sessions.values.map(expiry(of:)).min() }

    /// Applies a new configuration (a live configuration change): no session is dropped here. Expiry times
    /// are computed from the settings in force, so new idle and handshake timeouts apply from the next
    /// check; lower session bounds apply to the next hello (sessions above them stay until they expire).
    public mutating func reconfigure(_ configuration: Configuration) {
        self.configuration = configuration
    }

    /// Drops a session (the driver learnt it is dead).
    public mutating func remove(_ id: SessionID) {
        guard let session = sessions.removeValue(forKey: id) else { return }
        byPeer[session.peer]?.remove(id)
        if byPeer[session.peer]?.isEmpty == true { byPeer[session.peer] = nil }
    }

    private func expiry(of session: Session) -> UInt64 {
        switch session.state {
        case .handshaking: session.lastActivity + configuration.handshakeTimeoutMillis
        case .established: session.lastActivity + configuration.idleExpiryMillis
        }
    }

    private func isExpired(_ session: Session, now: UInt64) -> Bool { now >= expiry(of: session) }

    private func oldestHandshaking(among ids: some Sequence<SessionID>) -> SessionID? {
        var best: (id: SessionID, at: UInt64)?
        for id in ids {
            guard let session = sessions[id], session.state == .handshaking else { continue }
            if best == nil || session.lastActivity < best!.at { best = (id, session.lastActivity) }
        }
        return best?.id
    }
}
