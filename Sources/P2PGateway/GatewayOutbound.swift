public import NIOCore
public import P2PWire

/// The sending gateway's outbound path: coalesces frames per destination (`OutboundBatcher`), encodes
/// each batch, and posts it through that destination's `GatewayConnectionPool`. At most
/// `maximumDestinations` pools exist (Corda's `maxClientConnections`); a new destination past that
/// shuts the least recently used pools down until it fits (one, unless `update` lowered the bound;
/// their pending batches are reported as `shutDown`). Every
/// batch's outcome is reported to `onOutcome`, on the event loop.
public final class GatewayOutbound<Destination: Hashable & Sendable>: @unchecked Sendable {
    // All mutable state below is touched only on `eventLoop`.

    /// What became of one batch.
    public struct Outcome: Sendable {
        public let destination: Destination
        public let frames: [LinkFrame]
        public let result: Result<GatewayStatusBody, GatewayError>
    }

    private struct Route {
        let pool: GatewayConnectionPool
        let endpoints: [GatewayEndpoint]
        var lastUsed: NIODeadline
    }

    public let eventLoop: any EventLoop
    private var maximumDestinations: Int
    private let poolLimits: ConnectionPoolStateMachine.Limits
    private var timing: ConnectionPoolStateMachine.Timing
    private let prepare: GatewayConnectionPool.ChannelPreparation?
    private let onOutcome: @Sendable (Outcome) -> Void
    private var batcher: OutboundBatcher<Destination>
    private var encoder: FrameBatchEncoder
    private var routes: [Destination: Route] = [:]
    private let timer: LoopTimer

    public init(
        eventLoop: any EventLoop, maximumDestinations: Int = 100, batcherLimits: OutboundBatcherLimits = .init(),
        poolLimits: ConnectionPoolStateMachine.Limits = .init(), timing: ConnectionPoolStateMachine.Timing = .init(),
        compression: CompressionPolicy = .auto, prepare: GatewayConnectionPool.ChannelPreparation? = nil,
        onOutcome: @escaping @Sendable (Outcome) -> Void
    ) {
        self.eventLoop = eventLoop
        self.timer = LoopTimer(eventLoop: eventLoop)
        self.maximumDestinations = max(1, maximumDestinations)
        self.poolLimits = poolLimits
        self.timing = timing
        self.prepare = prepare
        self.onOutcome = onOutcome
        self.batcher = OutboundBatcher(limits: batcherLimits)
        self.encoder = FrameBatchEncoder(policy: compression)
    }

    /// Queues a frame for `destination`, reachable at `endpoints` (1…16, in order of preference).
    public func submit(_ frame: LinkFrame, to destination: Destination, endpoints: [GatewayEndpoint]) async throws {
        try await eventLoop.submit {
            try self.route(to: destination, endpoints: endpoints)
            self.post(self.batcher.add(frame, for: destination, now: .now()))
        }.get()
    }

    /// New pool timing for every pool (their next timers) and for pools created later, and a new bound
    /// on destinations. Lowering the bound closes nothing: each new destination past it shuts the least
    /// recently used pools down until it fits, so the number of pools shrinks only as new
    /// destinations need room.
    public func update(timing: ConnectionPoolStateMachine.Timing, maximumDestinations: Int) async {
        try? await eventLoop.submit {
            self.timing = timing
            self.maximumDestinations = max(1, maximumDestinations)
            for route in self.routes.values { route.pool.updateTimingNow(timing) }
        }.get()
    }

    /// Sends what is pending, then shuts every pool down (what they still hold is reported `shutDown`).
    public func shutdown() async {
        try? await eventLoop.submit {
            self.post(self.batcher.flushAll())
            for route in self.routes.values { route.pool.shutdownNow() }
            self.routes.removeAll()
            self.timer.cancel()
        }.get()
    }

    private func route(to destination: Destination, endpoints: [GatewayEndpoint]) throws(GatewayError) {
        let now = NIODeadline.now()
        if var route = routes[destination], route.endpoints == endpoints {
            route.lastUsed = now
            routes[destination] = route
            return
        }
        let pool = try GatewayConnectionPool(
            endpoints: endpoints, eventLoop: eventLoop, limits: poolLimits, timing: timing, prepare: prepare)
        if let old = routes.removeValue(forKey: destination) {
            old.pool.shutdownNow()  // the peer's endpoints changed
        } else {
            while routes.count >= maximumDestinations,
                let oldest = routes.min(by: { $0.value.lastUsed < $1.value.lastUsed })
            {
                routes.removeValue(forKey: oldest.key)?.pool.shutdownNow()
            }
        }
        routes[destination] = Route(pool: pool, endpoints: endpoints, lastUsed: now)
    }

    private func post(_ batches: [OutboundBatcher<Destination>.Batch]) {
        for batch in batches {
            let report: @Sendable (Result<GatewayStatusBody, GatewayError>) -> Void = { result in
                self.onOutcome(Outcome(destination: batch.destination, frames: batch.frames, result: result))
            }
            guard let pool = routes[batch.destination]?.pool else {
                report(.failure(GatewayError(.shutDown, "no route")))
                continue
            }
            var body = ByteBuffer()
            do {
                try encoder.encode(batch.frames, into: &body)
            } catch {
                report(.failure(GatewayError(.malformedBatch, "\(error)")))
                continue
            }
            pool.enqueue(body).whenComplete { result in
                report(result.mapError { $0 as? GatewayError ?? GatewayError(.connectionFailed, "\(type(of: $0))") })
            }
        }
        rescheduleTimer()
    }

    private func rescheduleTimer() {
        timer.schedule(at: batcher.nextDeadline) { self.post(self.batcher.tick(now: .now())) }
    }
}
