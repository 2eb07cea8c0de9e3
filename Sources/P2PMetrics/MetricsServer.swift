public import NIOCore
import NIOHTTP1
import P2PHTTPServer

/// The metrics endpoint: ``P2PHTTPServer/HTTPServer`` answering `GET /metrics` with the collector's exposition
/// and `GET /healthz` with `ok`, routed by ``MetricsRoute`` (`docs/metrics.md`). Stop it with ``stop()``.
public final class MetricsServer: Sendable {
    /// Where the endpoint binds unless told otherwise: loopback only.
    public static let defaultHost = HTTPServer.defaultHost
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
    /// The content type of the exposition (Prometheus text format 0.0.4).
    static let expositionContentType = "text/plain; version=0.0.4; charset=utf-8"

    private let server: HTTPServer

    /// The address bound (with the real port when 0 was asked for).
    public var localAddress: SocketAddress { server.localAddress }

    /// The bound port.
    public var port: Int { server.port }

    /// The number of open connections.
    public var connectionCount: Int { server.connectionCount }

    /// `http://host:port/metrics` for the address bound.
    public var url: String { server.url(path: MetricsRoute.metricsPath) }

    private init(server: HTTPServer) { self.server = server }

    /// Binds `host:port` (port 0: a free port, see ``port``) and serves `collector` on `group`
    /// (default: NIO's shared singleton group); connections idle for `idleTimeout` are closed.
    public static func start(
        collector: MetricsCollector, host: String = defaultHost, port: Int,
        group: (any EventLoopGroup)? = nil, idleTimeout: TimeAmount = idleTimeout
    ) async throws(MetricsError) -> MetricsServer {
        let limits = HTTPServer.Limits(
            maximumBodyBytes: maximumRequestBodyBytes, maximumConnections: maximumConnections, backlog: backlog,
            idleTimeout: idleTimeout, maximumDrainedBytes: maximumDrainedBytes)
        do {
            let server = try await HTTPServer.start(host: host, port: port, limits: limits, group: group) { request in
                await answer(request, collector: collector)
            }
            return MetricsServer(server: server)
        } catch {
            switch error.code {
            case .invalidPort: throw MetricsError(.invalidPort, error.detail)
            default: throw MetricsError(.bindFailed, error.detail)
            }
        }
    }

    static func answer(_ request: HTTPServerRequest, collector: MetricsCollector) async -> HTTPServerResponse {
        switch MetricsRoute(request.head) {
        case .metrics:
            let exposition = await collector.scrape()
            return HTTPServerResponse(
                status: .ok, headers: HTTPHeaders([("Content-Type", expositionContentType)]), body: ByteBuffer(bytes: exposition))
        case .health:
            return .text(.ok, "ok\n")
        case .methodNotAllowed:
            return .methodNotAllowed(allow: [.GET])
        case .notFound:
            return .text(.notFound)
        case .payloadTooLarge:
            return .text(.payloadTooLarge)  // refused by the server before this; kept for a complete switch
        }
    }

    /// Stops listening, then closes every open connection. Stopping twice does nothing more.
    public func stop() async { await server.stop() }
}
