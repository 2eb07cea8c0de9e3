import NIOCore
import NIOHTTP1
import NIOPosix
public import P2PHTTPServer

/// The doorman's HTTP endpoint (`docs/doorman.md` §1) on the project's ``HTTPServer``: bodies over
/// ``DoormanLimits/maximumRequestBytes`` are answered 413 before they are read, everything else goes
/// to ``Doorman/respond(method:path:body:now:)`` on NIO's blocking thread pool (the store fsyncs).
public final class DoormanServer: Sendable {
    /// Where the doorman binds unless told otherwise: loopback only.
    public static let defaultHost = HTTPServer.defaultHost
    /// Open connections at most.
    public static let maximumConnections = 64

    public let doorman: Doorman
    public let http: HTTPServer

    private init(doorman: Doorman, http: HTTPServer) {
        self.doorman = doorman
        self.http = http
    }

    /// The base URL, `http://host:port`.
    public var url: String { http.url() }

    /// Binds `host:port` (0: a free port) and serves `doorman`.
    public static func start(
        doorman: Doorman, host: String = defaultHost, port: Int
    ) async throws(HTTPServerError) -> DoormanServer {
        let limits = HTTPServer.Limits(
            maximumBodyBytes: DoormanLimits.maximumRequestBytes, maximumConnections: maximumConnections)
        let http = try await HTTPServer.start(host: host, port: port, limits: limits) { request in
            await Self.handle(request, doorman: doorman)
        }
        return DoormanServer(doorman: doorman, http: http)
    }

    /// Stops listening and closes every connection.
    public func stop() async { await http.stop() }

    static func handle(_ request: HTTPServerRequest, doorman: Doorman) async -> HTTPServerResponse {
        let method = request.method.rawValue
        let uri = request.head.uri
        let body = Array(request.body.readableBytesView)
        let answer: DoormanHTTPResponse
        do {
            answer = try await NIOThreadPool.singleton.runIfActive {
                doorman.respond(method: method, path: uri, body: body)
            }
        } catch {
            answer = DoormanHTTPResponse.text(503, "the doorman is shutting down")
        }
        var headers = HTTPHeaders()
        for (name, value) in answer.headers.sorted(by: { $0.key < $1.key }) { headers.add(name: name, value: value) }
        let isHead = request.method == .HEAD
        return HTTPServerResponse(
            status: HTTPResponseStatus(statusCode: answer.status), headers: headers,
            body: ByteBuffer(bytes: isHead ? [] : answer.body))
    }
}
