public import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A listening gateway: `POST /gateway/send` on a host and port, each connection served by a
/// `GatewayServerHandler`. Stop it with `stop()`.
public final class GatewayServer: Sendable {
    /// Connections with no traffic for this long are closed.
    public static let idleTimeout = TimeAmount.seconds(600)
    /// Pending connections the kernel queues.
    public static let backlog: Int32 = 256
    /// Open connections at most; one more is closed as soon as it is accepted.
    public static let maximumConnections = 10_000
    /// How long a drained connection may take to answer the requests it already received before it
    /// is closed regardless (`drain`).
    public static let drainTimeout = TimeAmount.seconds(10)

    /// Handlers to put in front of the HTTP codec of every accepted connection (TLS).
    public typealias ChannelPreparation = @Sendable (any Channel) throws -> Void

    public let localAddress: SocketAddress
    private let channel: any Channel
    private let connections: Connections

    public var port: Int { localAddress.port ?? 0 }

    /// The number of open connections.
    public var connectionCount: Int { connections.count }

    private init(channel: any Channel, connections: Connections) {
        self.channel = channel
        self.connections = connections
        self.localAddress = channel.localAddress!
    }

    /// The accepted connections still open, so that `stop` can close them (bounded).
    final class Connections: Sendable {
        private let open = Mutex<[ObjectIdentifier: any Channel]>([:])

        var count: Int { open.withLock { $0.count } }

        /// Registers a new connection; `false` when the bound is reached.
        func add(_ channel: any Channel) -> Bool {
            let added = open.withLock { open in
                guard open.count < GatewayServer.maximumConnections else { return false }
                open[ObjectIdentifier(channel)] = channel
                return true
            }
            if added {
                let key = ObjectIdentifier(channel)
                channel.closeFuture.whenComplete { _ in self.open.withLock { _ = $0.removeValue(forKey: key) } }
            }
            return added
        }

        var all: [any Channel] { open.withLock { Array($0.values) } }

        func closeAll() async {
            let channels = open.withLock { Array($0.values) }
            for channel in channels {
                try? await channel.close()
                try? await channel.closeFuture.get()  // after the removal registered in `add`
            }
        }
    }

    /// Binds `host:port` (port 0: a free port, see `port`) on `group`.
    public static func start(
        host: String, port: Int, group: any EventLoopGroup, configuration: GatewayServerHandler.Configuration,
        publisher: any InboundPublisher, sessions: SessionPartitionsDirectory, prepare: ChannelPreparation? = nil
    ) async throws -> GatewayServer {
        let connections = Connections()
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: backlog)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelInitializer { channel in
                guard connections.add(channel) else { return channel.close() }
                return channel.eventLoop.makeCompletedFuture {
                    try prepare?(channel)
                    let sync = channel.pipeline.syncOperations
                    try sync.addHandler(IdleStateHandler(allTimeout: idleTimeout))
                    try sync.addHandler(HTTPResponseEncoder())
                    try sync.addHandler(ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .dropBytes)))
                    try sync.addHandler(
                        GatewayServerHandler(configuration: configuration, publisher: publisher, sessions: sessions))
                }
            }
            .bind(host: host, port: port).get()
        return GatewayServer(channel: channel, connections: connections)
    }

    /// Stops accepting connections; the open ones carry on.
    public func stopAccepting() async {
        try? await channel.close()
    }

    /// Stops accepting, then lets every open connection answer the requests it already received
    /// (the last response says `Connection: close`) and closes it; a connection still open after
    /// `timeout` is closed regardless. Returns once every connection is closed.
    public func drain(timeout: TimeAmount = GatewayServer.drainTimeout) async {
        await stopAccepting()
        await drainConnections(timeout: timeout)
    }

    /// `drain` without closing the listener: only the connections open now are drained (new TLS
    /// settings apply to the connections accepted from now on).
    public func drainConnections(timeout: TimeAmount = GatewayServer.drainTimeout) async {
        let channels = connections.all
        for channel in channels {
            channel.eventLoop.execute {
                let sync = channel.pipeline.syncOperations
                guard let handler = try? sync.handler(type: GatewayServerHandler.self),
                    let context = try? sync.context(handlerType: GatewayServerHandler.self)
                else {
                    channel.close(promise: nil)
                    return
                }
                handler.drain(context: context)
            }
            let deadline = channel.eventLoop.scheduleTask(in: timeout) { channel.close(promise: nil) }
            channel.closeFuture.whenComplete { _ in deadline.cancel() }
        }
        for channel in channels { try? await channel.closeFuture.get() }
    }

    /// Stops listening, then closes every open connection (a publish in progress completes, but its
    /// response is not sent: the sender retries).
    public func stop() async {
        try? await channel.close()
        await connections.closeAll()
    }
}
