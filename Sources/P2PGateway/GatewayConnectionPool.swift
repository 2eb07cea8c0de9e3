public import NIOCore
import NIOHTTP1
import NIOPosix

/// The sending side for one destination: carries out `ConnectionPoolStateMachine`'s actions over NIO
/// channels on one event loop. `send` returns the peer's status body once the peer accepted the batch,
/// or throws a `GatewayError`.
public final class GatewayConnectionPool: @unchecked Sendable {
    /// Handlers to put in front of the HTTP codec of a new connection to `endpoint` (TLS, with the
    /// endpoint's host as the server name, when `endpoint.usesTLS`).
    public typealias ChannelPreparation = @Sendable (any Channel, GatewayEndpoint) throws -> Void

    // All mutable state below is touched only on `eventLoop`.
    public let eventLoop: any EventLoop
    private let prepare: ChannelPreparation?
    private var machine: ConnectionPoolStateMachine
    private var promises: [Int: EventLoopPromise<GatewayStatusBody>] = [:]
    private var channels: [Int: any Channel] = [:]
    private let timer: LoopTimer

    public init(
        endpoints: [GatewayEndpoint], eventLoop: any EventLoop, limits: ConnectionPoolStateMachine.Limits = .init(),
        timing: ConnectionPoolStateMachine.Timing = .init(), prepare: ChannelPreparation? = nil
    ) throws(GatewayError) {
        self.machine = try ConnectionPoolStateMachine(endpoints: endpoints, limits: limits, timing: timing)
        self.eventLoop = eventLoop
        self.timer = LoopTimer(eventLoop: eventLoop)
        self.prepare = prepare
    }

    /// Posts one batch body (an encoded `FrameBatch`).
    public func send(_ body: ByteBuffer) async throws -> GatewayStatusBody {
        try await eventLoop.flatSubmit { self.enqueue(body) }.get()
    }

    /// `send` for callers already on `eventLoop`.
    func enqueue(_ body: ByteBuffer) -> EventLoopFuture<GatewayStatusBody> {
        eventLoop.preconditionInEventLoop()
        let promise = eventLoop.makePromise(of: GatewayStatusBody.self)
        let (id, actions) = machine.enqueue(body, now: .now())
        promises[id] = promise
        perform(actions)
        return promise.futureResult
    }

    /// The endpoint in use, or the one tried next.
    public func currentEndpoint() async throws -> GatewayEndpoint {
        try await eventLoop.submit { self.machine.endpoints[self.machine.endpointIndex] }.get()
    }

    /// New timeouts and delays (see `ConnectionPoolStateMachine.updateTiming`); nothing is closed.
    public func updateTiming(_ timing: ConnectionPoolStateMachine.Timing) async {
        try? await eventLoop.submit { self.updateTimingNow(timing) }.get()
    }

    /// `updateTiming` for callers already on `eventLoop`.
    func updateTimingNow(_ timing: ConnectionPoolStateMachine.Timing) {
        eventLoop.preconditionInEventLoop()
        machine.updateTiming(timing)
        rescheduleTimer()
    }

    /// Fails everything pending and closes the connection.
    public func shutdown() async {
        try? await eventLoop.submit { self.shutdownNow() }.get()
    }

    /// `shutdown` for callers already on `eventLoop`.
    func shutdownNow() {
        perform(machine.shutdown())
        timer.cancel()
    }

    private func perform(_ actions: [ConnectionPoolStateMachine.Action]) {
        eventLoop.preconditionInEventLoop()
        for action in actions {
            switch action {
            case .connect(let generation, let endpoint):
                connect(generation: generation, endpoint: endpoint)
            case .send(let generation, let batch):
                guard let channel = channels[generation] else { continue }
                let host = machine.endpoints[machine.endpointIndex].hostHeader
                channel.writeAndFlush(GatewayClientHandler.GatewayRequest(host: host, body: batch.body), promise: nil)
            case .close(let generation):
                channels.removeValue(forKey: generation)?.close(promise: nil)
            case .succeed(let id, let status):
                promises.removeValue(forKey: id)?.succeed(status)
            case .fail(let id, let error):
                promises.removeValue(forKey: id)?.fail(error)
            }
        }
        rescheduleTimer()
    }

    private func connect(generation: Int, endpoint: GatewayEndpoint) {
        let prepare = self.prepare
        let bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(machine.timing.connectTimeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try prepare?(channel, endpoint)
                    let sync = channel.pipeline.syncOperations
                    try sync.addHTTPClientHandlers()
                    try sync.addHandler(
                        GatewayClientHandler { [self] status, body, keepAlive in
                            self.perform(
                                self.machine.responseReceived(
                                    generation: generation, status: status, body: body, keepAlive: keepAlive,
                                    now: .now()))
                        })
                }
            }
        bootstrap.connect(host: endpoint.host, port: endpoint.port).hop(to: eventLoop).assumeIsolated().whenComplete {
            result in
            switch result {
            case .success(let channel):
                self.channels[generation] = channel
                channel.closeFuture.hop(to: self.eventLoop).assumeIsolated().whenComplete { _ in
                    self.channels[generation] = nil
                    self.perform(self.machine.connectionClosed(generation: generation, now: .now()))
                }
                self.perform(self.machine.connectSucceeded(generation: generation, now: .now()))
            case .failure:
                self.perform(self.machine.connectFailed(generation: generation, now: .now()))
            }
        }
    }

    private func rescheduleTimer() {
        timer.schedule(at: machine.nextDeadline) { self.perform(self.machine.tick(now: .now())) }
    }
}
