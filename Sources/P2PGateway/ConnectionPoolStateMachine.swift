public import NIOCore
public import P2PMembership

/// The sending side for one destination (`docs/gateway.md` §5): one connection at a time to one of the
/// peer's endpoints, failover between them, reconnection with bounded exponential backoff, a bounded
/// queue, a bounded pipeline, response timeouts and bounded retries. Pure: time is a parameter, and
/// every event returns the actions the driver must carry out. Connections are numbered (`generation`)
/// so that an event about a connection the machine already gave up is ignored.
public struct ConnectionPoolStateMachine {
    public struct Limits: Hashable, Sendable {
        public static let defaultMaximumQueuedBatches = 256
        public static let defaultMaximumInFlight = 8
        public static let defaultMaximumRetries = 2
        /// Endpoints per destination, at most.
        public static let maximumEndpoints = 16

        /// Batches waiting for a connection or for their retry delay (retried batches may take up to
        /// `maximumInFlight` more places).
        public var maximumQueuedBatches: Int
        /// Requests sent and not yet answered on the connection.
        public var maximumInFlight: Int
        /// Retries per batch after its first attempt.
        public var maximumRetries: Int

        public init(
            maximumQueuedBatches: Int = Limits.defaultMaximumQueuedBatches,
            maximumInFlight: Int = Limits.defaultMaximumInFlight, maximumRetries: Int = Limits.defaultMaximumRetries
        ) {
            self.maximumQueuedBatches = min(max(maximumQueuedBatches, 1), 65_536)
            self.maximumInFlight = min(max(maximumInFlight, 1), InboundConnectionStateMachine.maximumPipelinedRequests)
            self.maximumRetries = min(max(maximumRetries, 0), 16)
        }
    }

    public struct Timing: Hashable, Sendable {
        public var connectTimeout: TimeAmount
        public var responseTimeout: TimeAmount
        public var retryDelay: TimeAmount
        public var initialReconnectionDelay: TimeAmount
        public var maximalReconnectionDelay: TimeAmount
        public var idleTimeout: TimeAmount

        public init(_ connection: GatewayConfiguration.Connection = .init()) {
            connectTimeout = .milliseconds(Int64(connection.acquireTimeoutMillis))
            responseTimeout = .milliseconds(Int64(connection.responseTimeoutMillis))
            retryDelay = .milliseconds(Int64(connection.retryDelayMillis))
            initialReconnectionDelay = .milliseconds(Int64(connection.initialReconnectionDelayMillis))
            maximalReconnectionDelay = .milliseconds(
                Int64(max(connection.maximalReconnectionDelayMillis, connection.initialReconnectionDelayMillis)))
            idleTimeout = .milliseconds(Int64(connection.connectionIdleTimeoutMillis))
        }
    }

    /// A batch body and its bookkeeping.
    public struct Batch: Hashable, Sendable {
        public let id: Int
        public let body: ByteBuffer
        /// Failed attempts so far.
        public fileprivate(set) var failures = 0
        fileprivate var notBefore: NIODeadline
    }

    public enum Action: Hashable, Sendable {
        /// Open connection `generation` to `endpoint` (within `Timing.connectTimeout`).
        case connect(generation: Int, endpoint: GatewayEndpoint)
        /// Write this request on the current connection.
        case send(generation: Int, Batch)
        case close(generation: Int)
        /// The peer accepted the batch (frames it did not publish are listed in the status body).
        case succeed(id: Int, GatewayStatusBody)
        case fail(id: Int, GatewayError)
    }

    enum State: Hashable {
        case idle
        case connecting(generation: Int)
        case connected(generation: Int, lastActivity: NIODeadline)
        case backoff(until: NIODeadline)
        case shutDown
    }

    public let endpoints: [GatewayEndpoint]
    public let limits: Limits
    public private(set) var timing: Timing
    private(set) var state = State.idle
    /// The endpoint in use or to try next.
    public private(set) var endpointIndex = 0
    private var failuresThisRound = 0
    private var reconnectionDelay: TimeAmount
    private var generation = 0
    private var nextBatchID = 0
    private var queue: [Batch] = []
    private var inFlight: [(batch: Batch, sentAt: NIODeadline)] = []

    public init(endpoints: [GatewayEndpoint], limits: Limits = .init(), timing: Timing = .init()) throws(GatewayError) {
        guard !endpoints.isEmpty, endpoints.count <= Limits.maximumEndpoints else {
            throw GatewayError(.invalidEndpoint, "\(endpoints.count) endpoints, 1…\(Limits.maximumEndpoints) allowed")
        }
        self.endpoints = endpoints
        self.limits = limits
        self.timing = timing
        self.reconnectionDelay = timing.initialReconnectionDelay
    }

    public var queuedCount: Int { queue.count }
    public var inFlightCount: Int { inFlight.count }
    public var currentDelay: TimeAmount { reconnectionDelay }

    // MARK: Events

    /// A new batch to send. Returns its id (to match `succeed`/`fail`) and the actions.
    public mutating func enqueue(_ body: ByteBuffer, now: NIODeadline) -> (id: Int, actions: [Action]) {
        let id = nextBatchID
        nextBatchID += 1
        if state == .shutDown { return (id, [.fail(id: id, GatewayError(.shutDown))]) }
        guard queue.count < limits.maximumQueuedBatches else {
            return (id, [.fail(id: id, GatewayError(.queueFull, "\(queue.count) batches waiting"))])
        }
        queue.append(Batch(id: id, body: body, notBefore: now))
        return (id, drive(now: now))
    }

    public mutating func connectSucceeded(generation: Int, now: NIODeadline) -> [Action] {
        guard state == .connecting(generation: generation) else { return [.close(generation: generation)] }
        state = .connected(generation: generation, lastActivity: now)
        failuresThisRound = 0
        reconnectionDelay = timing.initialReconnectionDelay
        return drive(now: now)
    }

    public mutating func connectFailed(generation: Int, now: NIODeadline) -> [Action] {
        guard state == .connecting(generation: generation) else { return [] }
        return lose(now: now, code: .connectionFailed)
    }

    public mutating func connectionClosed(generation: Int, now: NIODeadline) -> [Action] {
        switch state {
        case .connecting(generation), .connected(generation, _):
            return lose(now: now, code: .connectionFailed)
        default:
            return []
        }
    }

    /// A complete response on connection `generation`: answers the oldest request in flight.
    public mutating func responseReceived(
        generation: Int, status: Int, body: ByteBuffer, keepAlive: Bool, now: NIODeadline
    ) -> [Action] {
        guard case .connected(generation, _) = state else { return [] }
        guard !inFlight.isEmpty else {
            return [.close(generation: generation)] + lose(now: now, code: .malformedResponse)
        }
        let batch = inFlight.removeFirst().batch
        state = .connected(generation: generation, lastActivity: now)
        var actions: [Action] = []
        let statusBody = try? GatewayStatusBody.decode(body)
        switch status {
        case 200..<300:
            if let statusBody, statusBody.outcome == 0 {
                actions.append(.succeed(id: batch.id, statusBody))
            } else {
                actions.append(.fail(id: batch.id, GatewayError(.malformedResponse, "HTTP \(status)")))
            }
        case 500..<600:
            actions += retryOrFail(batch, GatewayError(.busUnavailable, "HTTP \(status) \(outcome(statusBody))"), now: now)
        default:
            // 4xx (and anything unexpected) is never retried; per-frame statuses never close.
            actions.append(.fail(id: batch.id, GatewayError(.rejected, "HTTP \(status) \(outcome(statusBody))")))
        }
        if !keepAlive {
            return actions + [.close(generation: generation)] + lose(now: now, code: .connectionFailed)
        }
        return actions + drive(now: now)
    }

    /// Timers: response timeout, retry delays, reconnection backoff, idle close. Call at `nextDeadline`.
    public mutating func tick(now: NIODeadline) -> [Action] {
        switch state {
        case .connected(let generation, let lastActivity):
            if let oldest = inFlight.first, oldest.sentAt + timing.responseTimeout <= now {
                return [.close(generation: generation)] + lose(now: now, code: .responseTimeout)
            }
            if inFlight.isEmpty, queue.isEmpty, lastActivity + timing.idleTimeout <= now {
                state = .idle
                return [.close(generation: generation)]
            }
        case .backoff(let until) where until <= now:
            state = .idle
        default:
            break
        }
        return drive(now: now)
    }

    /// New timeouts and delays (a gateway configuration change), without closing anything: the next
    /// connection attempt uses the new connect timeout; the response timeout of requests in flight,
    /// the idle timeout and the retry delay of the next failure follow the new values from the next
    /// `nextDeadline` on; the reconnection delay restarts from the new initial delay when no backoff
    /// is under way, and is kept within the new bounds otherwise. A backoff or retry already waiting
    /// keeps its deadline. The driver must reschedule its timer afterwards.
    public mutating func updateTiming(_ timing: Timing) {
        let old = self.timing
        self.timing = timing
        if reconnectionDelay == old.initialReconnectionDelay {
            reconnectionDelay = timing.initialReconnectionDelay
        } else {
            reconnectionDelay = min(max(reconnectionDelay, timing.initialReconnectionDelay), timing.maximalReconnectionDelay)
        }
    }

    /// Fails everything pending and closes the connection; later batches fail at once.
    public mutating func shutdown() -> [Action] {
        var actions: [Action] = []
        switch state {
        case .connecting(let generation), .connected(let generation, _): actions.append(.close(generation: generation))
        default: break
        }
        state = .shutDown
        for entry in inFlight { actions.append(.fail(id: entry.batch.id, GatewayError(.shutDown))) }
        for batch in queue { actions.append(.fail(id: batch.id, GatewayError(.shutDown))) }
        inFlight.removeAll()
        queue.removeAll()
        return actions
    }

    /// When `tick` must next be called, if at all.
    public var nextDeadline: NIODeadline? {
        switch state {
        case .connected(_, let lastActivity):
            if let oldest = inFlight.first {
                let timeout = oldest.sentAt + timing.responseTimeout
                // A retry waiting for its delay may become sendable before the timeout.
                if inFlight.count < limits.maximumInFlight, let retry = queue.map(\.notBefore).min() {
                    return min(timeout, retry)
                }
                return timeout
            }
            if let retry = queue.map(\.notBefore).min() { return retry }
            return lastActivity + timing.idleTimeout
        case .backoff(let until):
            return until
        case .idle, .connecting, .shutDown:
            return nil
        }
    }

    // MARK: Internals

    /// Connects when there is work, and sends what the pipeline has room for.
    private mutating func drive(now: NIODeadline) -> [Action] {
        switch state {
        case .idle:
            guard !queue.isEmpty else { return [] }
            generation += 1
            state = .connecting(generation: generation)
            return [.connect(generation: generation, endpoint: endpoints[endpointIndex])]
        case .connected(let generation, _):
            var actions: [Action] = []
            var index = 0
            while inFlight.count < limits.maximumInFlight, index < queue.count {
                guard queue[index].notBefore <= now else {
                    index += 1
                    continue
                }
                let batch = queue.remove(at: index)
                inFlight.append((batch, now))
                actions.append(.send(generation: generation, batch))
            }
            return actions
        case .connecting, .backoff, .shutDown:
            return []
        }
    }

    /// The connection (or the attempt) is gone: retry what was in flight, move to the next endpoint,
    /// and reconnect at once or, after a whole round of failures, after the backoff delay.
    private mutating func lose(now: NIODeadline, code: GatewayError.Code) -> [Action] {
        var actions: [Action] = []
        failuresThisRound += 1
        let roundFailed = failuresThisRound >= endpoints.count
        if roundFailed {
            // A whole round failed: every waiting batch counts a failed attempt, so none waits forever.
            failuresThisRound = 0
            var waiting: [Batch] = []
            for var batch in queue {
                batch.failures += 1
                if batch.failures > limits.maximumRetries {
                    actions.append(
                        .fail(id: batch.id, GatewayError(.retriesExhausted, "no endpoint reachable, last: \(code)")))
                } else {
                    waiting.append(batch)
                }
            }
            queue = waiting
        }
        let lost = inFlight
        inFlight.removeAll()
        for entry in lost.reversed() {
            actions += retryOrFail(entry.batch, GatewayError(code, "endpoint \(endpoints[endpointIndex])"), now: now)
        }
        endpointIndex = (endpointIndex + 1) % endpoints.count
        if roundFailed {
            state = .backoff(until: now + reconnectionDelay)
            reconnectionDelay = min(reconnectionDelay * 2, timing.maximalReconnectionDelay)
            return actions
        }
        state = .idle
        return actions + drive(now: now)
    }

    /// Puts a failed batch back at the front of the queue after the retry delay, or fails it for good.
    private mutating func retryOrFail(_ batch: Batch, _ error: GatewayError, now: NIODeadline) -> [Action] {
        var batch = batch
        batch.failures += 1
        guard batch.failures <= limits.maximumRetries else {
            return [.fail(id: batch.id, GatewayError(.retriesExhausted, "\(batch.failures) attempts, last: \(error)"))]
        }
        batch.notBefore = now + timing.retryDelay
        queue.insert(batch, at: 0)
        return []
    }

    private func outcome(_ body: GatewayStatusBody?) -> String {
        guard let body else { return "" }
        return GatewayError.Code(rawValue: body.outcome).map(\.description) ?? "code \(body.outcome)"
    }
}
