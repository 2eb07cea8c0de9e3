public import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A small bounded HTTP/1.1 server for the project's operator and onboarding endpoints (metrics, network map,
/// doorman): it reads each request whole, up to a body limit, hands it to an async handler and writes the answer,
/// keeping pipelined requests in order (`docs/http-server.md`). Stop it with ``stop()``.
///
/// The server answers by itself: 413 for a body over the limit (from `Content-Length` before reading, or once the
/// bytes read pass it; the output is then closed and what the client still sends is dropped, up to a bound), 400
/// for bytes that are not HTTP (then the connection closes). Routing, 404 and 405 are the handler's.
public final class HTTPServer: Sendable {
    /// The bounds of one server.
    public struct Limits: Sendable, Hashable {
        /// A request body may hold this many bytes at most; a larger one is answered 413.
        public var maximumBodyBytes: Int
        /// Open connections at most; one more is closed as soon as it is accepted.
        public var maximumConnections: Int
        /// Pending connections the kernel queues.
        public var backlog: Int32
        /// Connections with nothing to read for this long are closed.
        public var idleTimeout: TimeAmount
        /// After a 413, this many more bytes are read and dropped before the connection is closed.
        public var maximumDrainedBytes: Int

        public init(
            maximumBodyBytes: Int = 64 * 1024, maximumConnections: Int = 64, backlog: Int32 = 64,
            idleTimeout: TimeAmount = .seconds(30), maximumDrainedBytes: Int = 1 << 20
        ) {
            self.maximumBodyBytes = maximumBodyBytes
            self.maximumConnections = maximumConnections
            self.backlog = backlog
            self.idleTimeout = idleTimeout
            self.maximumDrainedBytes = maximumDrainedBytes
        }
    }

    /// Answers one request. Called once per request, in order per connection, off the event loop.
    public typealias Handler = @Sendable (HTTPServerRequest) async -> HTTPServerResponse

    /// Where a server binds unless told otherwise: loopback only.
    public static let defaultHost = "127.0.0.1"

    /// The address bound (with the real port when 0 was asked for).
    public let localAddress: SocketAddress
    public let limits: Limits
    private let channel: any Channel
    private let connections: OpenConnections

    /// The bound port.
    public var port: Int { localAddress.port ?? 0 }

    /// The number of open connections.
    public var connectionCount: Int { connections.count }

    /// `http://host:port` for the address bound, followed by `path`.
    public func url(path: String = "") -> String {
        let host = localAddress.ipAddress ?? Self.defaultHost
        return "http://\(host.contains(":") ? "[\(host)]" : host):\(port)\(path)"
    }

    private init(channel: any Channel, localAddress: SocketAddress, limits: Limits, connections: OpenConnections) {
        self.channel = channel
        self.localAddress = localAddress
        self.limits = limits
        self.connections = connections
    }

    /// Binds `host:port` (port 0: a free port, see ``port``) and serves `handler` on `group` (default: NIO's
    /// shared singleton group).
    public static func start(
        host: String = defaultHost, port: Int, limits: Limits = Limits(), group: (any EventLoopGroup)? = nil,
        handler: @escaping Handler
    ) async throws(HTTPServerError) -> HTTPServer {
        let group = group ?? MultiThreadedEventLoopGroup.singleton
        guard (0...65535).contains(port) else { throw HTTPServerError(.invalidPort, "\(port) is not 0…65535") }
        guard limits.maximumBodyBytes > 0, limits.maximumConnections > 0, limits.backlog > 0,
            limits.idleTimeout.nanoseconds > 0, limits.maximumDrainedBytes >= 0
        else { throw HTTPServerError(.invalidLimits, "\(limits)") }
        let connections = OpenConnections(maximum: limits.maximumConnections)
        let channel: any Channel
        do {
            channel = try await ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: limits.backlog)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    guard connections.admit(channel) else {
                        return channel.eventLoop.makeFailedFuture(
                            HTTPServerError(.tooManyConnections, "\(limits.maximumConnections) open"))
                    }
                    return channel.eventLoop.makeCompletedFuture {
                        let sync = channel.pipeline.syncOperations
                        try sync.addHandler(IdleStateHandler(readTimeout: limits.idleTimeout))
                        try sync.configureHTTPServerPipeline(withErrorHandling: true)
                        try sync.addHandler(HTTPServerConnectionHandler(limits: limits, handler: handler))
                    }
                }
                .bind(host: host, port: port).get()
        } catch {
            throw HTTPServerError(.bindFailed, "\(host):\(port): \(error)")
        }
        guard let localAddress = channel.localAddress else {
            try? await channel.close()
            throw HTTPServerError(.bindFailed, "\(host):\(port): no local address")
        }
        return HTTPServer(channel: channel, localAddress: localAddress, limits: limits, connections: connections)
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
    private let maximum: Int
    private let channels = Mutex<[ObjectIdentifier: any Channel]>([:])

    init(maximum: Int) { self.maximum = maximum }

    var count: Int { channels.withLock { $0.count } }

    func all() -> [any Channel] { channels.withLock { Array($0.values) } }

    /// Takes `channel` in unless the maximum is open; forgets it when it closes.
    func admit(_ channel: any Channel) -> Bool {
        let key = ObjectIdentifier(channel)
        let admitted = channels.withLock { channels in
            if channels.count >= maximum { return false }
            channels[key] = channel
            return true
        }
        if admitted {
            channel.closeFuture.whenComplete { _ in self.channels.withLock { _ = $0.removeValue(forKey: key) } }
        }
        return admitted
    }
}
