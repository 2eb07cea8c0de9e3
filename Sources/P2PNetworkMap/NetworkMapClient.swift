import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// One HTTP answer as the client saw it.
public struct HTTPAnswer: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: [UInt8]

    public func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }

    /// `max-age` of `Cache-Control`, if present and a non-negative integer.
    public var maxAgeSeconds: Int? {
        guard let value = header("Cache-Control") else { return nil }
        for directive in value.split(separator: ",") {
            let parts = directive.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "max-age", let seconds = Int(parts[1]), seconds >= 0 { return seconds }
        }
        return nil
    }
}

/// The network map's HTTP client: plain HTTP/1.1 (everything served is signed), one connection per
/// request, bounded in size and time. Any status but 200 is a failure carrying the server's reason.
public struct NetworkMapClient: Sendable {
    /// How long one request may take, connection included.
    static let timeout = TimeAmount.seconds(30)

    public let baseURL: String
    let host: String
    let port: Int
    let basePath: String

    /// `http://host[:port][/path]`.
    public init(baseURL: String) throws(NetworkMapError) {
        guard let url = URLComponents(string: baseURL), url.scheme?.lowercased() == "http", let host = url.host, !host.isEmpty,
            url.query == nil, url.fragment == nil, url.user == nil
        else { throw NetworkMapError(.httpFailure, "the map URL must be http://host[:port][/path]") }
        self.baseURL = baseURL
        self.host = host
        self.port = url.port ?? 80
        self.basePath = url.path.hasSuffix("/") ? String(url.path.dropLast()) : url.path
    }

    // MARK: Protocol

    /// `GET /network-map`: the signed map and its `max-age`.
    public func networkMap() async throws(NetworkMapError) -> (SignedEnvelope, maxAgeSeconds: Int?) {
        let answer = try ok(try await request("GET", "/network-map", maximumBytes: NetworkMapLimits.maximumMapBytes))
        return (try SignedEnvelope.decode(answer.body, maximumBytes: NetworkMapLimits.maximumMapBytes), answer.maxAgeSeconds)
    }

    /// `GET /network-map/node-info/{hash}`.
    public func memberRecord(_ hash: SecureHash) async throws(NetworkMapError) -> SignedEnvelope {
        try await signed("/network-map/node-info/\(hash)", hash)
    }

    /// `GET /network-parameters/{hash}`.
    public func parameters(_ hash: SecureHash) async throws(NetworkMapError) -> SignedEnvelope {
        try await signed("/network-parameters/\(hash)", hash)
    }

    /// `POST /network-map/publish`.
    public func publish(_ envelope: SignedEnvelope) async throws(NetworkMapError) {
        _ = try ok(try await request("POST", "/network-map/publish", body: envelope.encoded(), maximumBytes: 4096))
    }

    /// `POST /network-map/ack-parameters`.
    public func acknowledge(_ envelope: SignedEnvelope) async throws(NetworkMapError) {
        _ = try ok(try await request("POST", "/network-map/ack-parameters", body: envelope.encoded(), maximumBytes: 4096))
    }

    /// A signed object whose payload must hash to `hash`.
    func signed(_ path: String, _ hash: SecureHash) async throws(NetworkMapError) -> SignedEnvelope {
        let answer = try ok(try await request("GET", path, maximumBytes: NetworkMapLimits.maximumRecordBytes))
        let envelope = try SignedEnvelope.decode(answer.body, maximumBytes: NetworkMapLimits.maximumRecordBytes)
        guard envelope.hash == hash else { throw NetworkMapError(.hashMismatch, "asked for \(hash), got \(envelope.hash)") }
        return envelope
    }

    func ok(_ answer: HTTPAnswer) throws(NetworkMapError) -> HTTPAnswer {
        guard answer.status == 200 else {
            let reason = String(decoding: answer.body.prefix(512), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw NetworkMapError(.httpFailure, "HTTP \(answer.status)\(reason.isEmpty ? "" : ": \(reason)")")
        }
        return answer
    }

    // MARK: HTTP

    /// One request on a fresh connection; the answer's body is refused beyond `maximumBytes`.
    public func request(_ method: String, _ path: String, body: [UInt8] = [], maximumBytes: Int) async throws(NetworkMapError) -> HTTPAnswer {
        let group = MultiThreadedEventLoopGroup.singleton
        let target = basePath + path
        do {
            let channel = try await ClientBootstrap(group: group)
                .connectTimeout(Self.timeout)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHTTPClientHandlers() }
                }
                .connect(host: host, port: port).get()
            let promise = channel.eventLoop.makePromise(of: HTTPAnswer.self)
            let timeout = channel.eventLoop.scheduleTask(in: Self.timeout) {
                promise.fail(NetworkMapError(.httpFailure, "no answer within \(Self.timeout.nanoseconds / 1_000_000_000) s"))
                channel.close(promise: nil)
            }
            defer {
                timeout.cancel()
                channel.close(promise: nil)
            }
            try await channel.eventLoop.submit {
                try channel.pipeline.syncOperations.addHandler(AnswerCollector(promise: promise, maximumBytes: maximumBytes))
            }.get()
            var headers = HTTPHeaders()
            headers.add(name: "Host", value: "\(host):\(port)")
            headers.add(name: "Content-Length", value: "\(body.count)")
            headers.add(name: "Connection", value: "close")
            if !body.isEmpty { headers.add(name: "Content-Type", value: "application/octet-stream") }
            let head = HTTPRequestHead(version: .http1_1, method: HTTPMethod(rawValue: method), uri: target, headers: headers)
            channel.write(HTTPClientRequestPart.head(head), promise: nil)
            if !body.isEmpty { channel.write(HTTPClientRequestPart.body(.byteBuffer(ByteBuffer(bytes: body))), promise: nil) }
            channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
            return try await promise.futureResult.get()
        } catch let error as NetworkMapError {
            throw error
        } catch {
            throw NetworkMapError(.httpFailure, "\(method) \(baseURL)\(path): \(error)")
        }
    }
}

/// Collects one response, refusing a body larger than its bound.
final class AnswerCollector: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart

    let promise: EventLoopPromise<HTTPAnswer>
    let maximumBytes: Int
    var head: HTTPResponseHead?
    var body: [UInt8] = []
    var done = false

    init(promise: EventLoopPromise<HTTPAnswer>, maximumBytes: Int) {
        self.promise = promise
        self.maximumBytes = maximumBytes
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !done else { return }
        switch unwrapInboundIn(data) {
        case .head(let head):
            if let length = head.headers.first(name: "Content-Length").flatMap(Int.init), length > maximumBytes {
                fail(context, NetworkMapError(.tooLarge, "the answer declares \(length) bytes, more than \(maximumBytes)"))
                return
            }
            self.head = head
        case .body(let buffer):
            guard body.count + buffer.readableBytes <= maximumBytes else {
                fail(context, NetworkMapError(.tooLarge, "the answer is longer than \(maximumBytes) bytes"))
                return
            }
            body += buffer.readableBytesView
        case .end:
            guard let head else { return fail(context, NetworkMapError(.httpFailure, "no response head")) }
            done = true
            promise.succeed(HTTPAnswer(status: Int(head.status.code), headers: head.headers.map { ($0.name, $0.value) }, body: body))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(context, NetworkMapError(.httpFailure, "the connection closed before the answer was complete"))
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(context, NetworkMapError(.httpFailure, "\(error)"))
    }

    func fail(_ context: ChannelHandlerContext, _ error: NetworkMapError) {
        guard !done else { return }
        done = true
        promise.fail(error)
        context.close(promise: nil)
    }
}
