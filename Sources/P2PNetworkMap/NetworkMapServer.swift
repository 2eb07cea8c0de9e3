public import NIOCore
import NIOHTTP1
import P2PHTTPServer

/// The network map over HTTP: ``NetworkMapService``'s routes on a `P2PHTTPServer.HTTPServer`.
/// Bodies over ``NetworkMapLimits/maximumRequestBytes`` are answered 413 by the HTTP server itself.
public final class NetworkMapServer: Sendable {
    public static let defaultPort = 10200

    public let service: NetworkMapService
    let http: HTTPServer

    /// The bound port (the real one when 0 was asked for).
    public var port: Int { http.port }
    /// `http://host:port`, the base URL clients use.
    public var url: String { http.url() }

    init(service: NetworkMapService, http: HTTPServer) {
        self.service = service
        self.http = http
    }

    /// Serves `service` on `host:port` (port 0: a free port).
    public static func start(
        service: NetworkMapService, host: String = "127.0.0.1", port: Int, group: (any EventLoopGroup)? = nil
    ) async throws(NetworkMapError) -> NetworkMapServer {
        let limits = HTTPServer.Limits(maximumBodyBytes: NetworkMapLimits.maximumRequestBytes, maximumConnections: 64)
        do {
            let http = try await HTTPServer.start(host: host, port: port, limits: limits, group: group) { request in
                let body = request.body.getBytes(at: request.body.readerIndex, length: request.body.readableBytes) ?? []
                let response = await service.handle(method: request.method.rawValue, path: String(request.path), body: body)
                var headers = HTTPHeaders()
                for (name, value) in response.headers { headers.add(name: name, value: value) }
                return HTTPServerResponse(
                    status: HTTPResponseStatus(statusCode: response.status), headers: headers, body: ByteBuffer(bytes: response.body))
            }
            return NetworkMapServer(service: service, http: http)
        } catch {
            throw NetworkMapError(.httpFailure, "cannot serve on \(host):\(port): \(error)")
        }
    }

    public func stop() async { await http.stop() }
}
