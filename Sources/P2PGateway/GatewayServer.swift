public import NIOCore
import NIOHTTP1
import NIOPosix

/// A listening gateway: `POST /gateway/send` on a host and port, each connection served by a
/// `GatewayServerHandler`. Stop it with `stop()`.
public final class GatewayServer: Sendable {
    /// Connections with no traffic for this long are closed.
    public static let idleTimeout = TimeAmount.seconds(600)
    /// Pending connections the kernel queues.
    public static let backlog: Int32 = 256

    /// Handlers to put in front of the HTTP codec of every accepted connection (TLS).
    public typealias ChannelPreparation = @Sendable (any Channel) throws -> Void

    public let localAddress: SocketAddress
    private let channel: any Channel

    public var port: Int { localAddress.port ?? 0 }

    private init(channel: any Channel) {
        self.channel = channel
        self.localAddress = channel.localAddress!
    }

    /// Binds `host:port` (port 0: a free port, see `port`) on `group`.
    public static func start(
        host: String, port: Int, group: any EventLoopGroup, configuration: GatewayServerHandler.Configuration,
        publisher: any InboundPublisher, sessions: SessionPartitionsDirectory, prepare: ChannelPreparation? = nil
    ) async throws -> GatewayServer {
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: backlog)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
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
        return GatewayServer(channel: channel)
    }

    /// Stops listening and closes the listening socket. Connections already accepted end when their
    /// peers close them, when they idle out, or when the event loop group shuts down.
    public func stop() async {
        try? await channel.close()
    }
}
