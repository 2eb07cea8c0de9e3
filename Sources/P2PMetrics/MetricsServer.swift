public import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// The metrics endpoint: a small HTTP/1.1 server answering `GET /metrics` with the collector's
/// exposition and `GET /healthz` with `ok` (`docs/metrics.md`). Stop it with ``stop()``.
public final class MetricsServer: Sendable {
    /// Where the endpoint binds unless told otherwise: loopback only.
    public static let defaultHost = "127.0.0.1"
    /// Open connections at most; one more is closed as soon as it is accepted.
    public static let maximumConnections = 16
    /// Pending connections the kernel queues.
    public static let backlog: Int32 = 16
    /// A request body may hold this many bytes at most; a larger one is answered 413.
    public static let maximumRequestBodyBytes = 1024
    /// After a 413, this many more bytes are read and dropped before the connection is closed.
    public static let maximumDrainedBytes = 1 << 20
    /// Connections with nothing to read for this long are closed.
    public static let idleTimeout = TimeAmount.seconds(30)

    /// The address bound (with the real port when 0 was asked for).
    public let localAddress: SocketAddress
    private let channel: any Channel
    private let connections: OpenConnections

    /// The bound port.
    public var port: Int { localAddress.port ?? 0 }

    /// The number of open connections.
    public var connectionCount: Int { connections.count }

    /// `http://host:port/metrics` for the address bound.
    public var url: String {
        let host = localAddress.ipAddress ?? Self.defaultHost
        return "http://\(host.contains(":") ? "[\(host)]" : host):\(port)\(MetricsRoute.metricsPath)"
    }

    private init(channel: any Channel, localAddress: SocketAddress, connections: OpenConnections) {
        self.channel = channel
        self.localAddress = localAddress
        self.connections = connections
    }

    /// Binds `host:port` (port 0: a free port, see ``port``) and serves `collector` on `group`
    /// (default: NIO's shared singleton group); connections idle for `idleTimeout` are closed.
    public static func start(
        collector: MetricsCollector, host: String = defaultHost, port: Int,
        group: (any EventLoopGroup)? = nil, idleTimeout: TimeAmount = idleTimeout
    ) async throws(MetricsError) -> MetricsServer {
        let group = group ?? MultiThreadedEventLoopGroup.singleton
        guard (0...65535).contains(port) else { throw MetricsError(.invalidPort, "\(port) is not 0…65535") }
        let connections = OpenConnections()
        let channel: any Channel
        do {
            channel = try await ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: backlog)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    guard connections.admit(channel) else {
                        return channel.eventLoop.makeFailedFuture(
                            MetricsError(.tooManyConnections, "\(maximumConnections) open"))
                    }
                    return channel.eventLoop.makeCompletedFuture {
                        let sync = channel.pipeline.syncOperations
                        try sync.addHandler(IdleStateHandler(readTimeout: idleTimeout))
                        try sync.configureHTTPServerPipeline(withErrorHandling: true)
                        try sync.addHandler(
                            MetricsHTTPHandler(collector: collector, maximumBodyBytes: maximumRequestBodyBytes))
                    }
                }
                .bind(host: host, port: port).get()
        } catch {
            throw MetricsError(.bindFailed, "\(host):\(port): \(error)")
        }
        guard let localAddress = channel.localAddress else {
            try? await channel.close()
            throw MetricsError(.bindFailed, "\(host):\(port): no local address")
        }
        return MetricsServer(channel: channel, localAddress: localAddress, connections: connections)
    }

    /// Stops listening, then closes every open connection. Stopping twice does nothing more.
    public func stop() async {
        try? await channel.close()
        for connection in connections.all() {
            try? await connection.close()
        }
    }
}

/// The accepted connections still open: counted against the bound, closed by `stop`.
private final class OpenConnections: Sendable {
    private let channels = Mutex<[ObjectIdentifier: any Channel]>([:])

    var count: Int { channels.withLock { $0.count } }

    func all() -> [any Channel] { channels.withLock { Array($0.values) } }

    /// Takes `channel` in unless ``MetricsServer/maximumConnections`` are open; forgets it when it closes.
    func admit(_ channel: any Channel) -> Bool {
        let key = ObjectIdentifier(channel)
        let admitted = channels.withLock { channels in
            if channels.count >= MetricsServer.maximumConnections { return false }
            channels[key] = channel
            return true
        }
        if admitted {
            channel.closeFuture.whenComplete { _ in self.channels.withLock { _ = $0.removeValue(forKey: key) } }
        }
        return admitted
    }
}
