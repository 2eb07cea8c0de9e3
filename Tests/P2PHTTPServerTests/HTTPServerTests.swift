import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import P2PHTTPServer
import P2PTestSupport
import Synchronization
import Testing

/// The generic server on a free loopback port, driven by real `curl` and raw sockets.
@Suite("HTTP server", .serialized)
struct HTTPServerTests {
    /// Echoes method, path, query and body; `/slow/<ms>` answers after that many milliseconds; `/cache` sets
    /// Cache-Control.
    static func echo(_ request: HTTPServerRequest) async -> HTTPServerResponse {
        let path = String(request.path)
        if path.hasPrefix("/slow/"), let millis = Int(path.dropFirst(6)) {
            try? await Task.sleep(for: .milliseconds(millis))
            return .text(.ok, "slow \(millis)\n")
        }
        if path == "/cache" { return .text(.ok, "cached\n", headers: HTTPHeaders([("Cache-Control", "max-age=30")])) }
        if path == "/get-only" { return .methodNotAllowed(allow: [.GET, .HEAD]) }
        let body = String(buffer: request.body)
        return .text(.ok, "\(request.method.rawValue) \(path) \(request.query ?? "-") \(body.count) \(body.prefix(16))")
    }

    static func start(_ limits: HTTPServer.Limits = HTTPServer.Limits(maximumBodyBytes: 4096)) async throws -> HTTPServer {
        try await HTTPServer.start(port: 0, limits: limits) { await echo($0) }
    }

    @Test func requestsReachTheHandlerWholeAndResponsesCarryItsHeaders() async throws {
        let server = try await Self.start()
        let get = try await Curl.run(server.url(path: "/a/b?x=1"))
        #expect(get.statusCode == 200 && get.body == "GET /a/b x=1 0 ")
        let post = try await Curl.run(server.url(path: "/upload"), ["--data-binary", String(repeating: "z", count: 4096)])
        #expect(post.statusCode == 200 && post.body == "POST /upload - 4096 zzzzzzzzzzzzzzzz")
        let cached = try await Curl.run(server.url(path: "/cache"))
        #expect(cached.header("Cache-Control") == "max-age=30" && cached.header("content-length") == "7")
        let notAllowed = try await Curl.run(server.url(path: "/get-only"), ["-X", "DELETE"])
        #expect(notAllowed.statusCode == 405 && notAllowed.header("Allow") == "GET, HEAD")
        await server.stop()
    }

    @Test func oversizedBodiesAre413AndTheServerKeepsServing() async throws {
        let server = try await Self.start()
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("http-body-\(UUID().uuidString)")
        try Data(repeating: 0x61, count: 4097).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let declared = try await Curl.run(server.url(path: "/x"), ["-H", "Expect:", "--data-binary", "@\(file.path)"])
        #expect(declared.statusCode == 413)
        let chunked = try await Curl.run(
            server.url(path: "/x"), ["-H", "Transfer-Encoding: chunked", "-H", "Expect:", "--data-binary", "@\(file.path)"])
        #expect(chunked.statusCode == 413)
        #expect(try await Curl.run(server.url(path: "/after")).statusCode == 200)
        await server.stop()
    }

    @Test func pipelinedRequestsAreAnsweredInOrderWhateverTheHandlersTake() async throws {
        let server = try await Self.start()
        let requests = ["/slow/200", "/slow/0", "/slow/50"]
            .map { "GET \($0) HTTP/1.1\r\nHost: x\r\n\r\n" }.joined()
        let answer = try await RawClient.exchange(port: server.port, Array(requests.utf8), until: "slow 50\n")
        let order = answer.components(separatedBy: "\r\n\r\n").compactMap { $0.split(separator: "\n").first.map(String.init) }
            .filter { $0.hasPrefix("slow") }
        #expect(order == ["slow 200", "slow 0", "slow 50"], "\(answer)")
        await server.stop()
    }

    @Test func garbageGets400AndTheConnectionIsClosed() async throws {
        let server = try await Self.start()
        let answer = try await RawClient.exchange(port: server.port, Array("\u{1}\u{2}NOT HTTP\r\n\r\n".utf8), until: nil)
        #expect(answer.hasPrefix("HTTP/1.1 400"), "\(answer)")
        #expect(try await Curl.run(server.url(path: "/ok")).statusCode == 200)
        await server.stop()
    }

    @Test func connectionsAndLimitsAreBounded() async throws {
        await #expect(throws: HTTPServerError(.invalidPort)) { try await HTTPServer.start(port: 70_000) { await Self.echo($0) } }
        await #expect(throws: HTTPServerError(.invalidLimits)) {
            try await HTTPServer.start(port: 0, limits: .init(maximumBodyBytes: 0)) { await Self.echo($0) }
        }
        let server = try await Self.start(.init(maximumBodyBytes: 64, maximumConnections: 2, idleTimeout: .milliseconds(300)))
        await #expect(throws: HTTPServerError(.bindFailed)) { try await HTTPServer.start(port: server.port) { await Self.echo($0) } }
        let group = MultiThreadedEventLoopGroup.singleton
        var open: [any Channel] = []
        for _ in 0..<3 {
            open.append(try await ClientBootstrap(group: group).connect(host: "127.0.0.1", port: server.port).get())
        }
        // The third is closed at once; the two admitted are closed once idle.
        let deadline = ContinuousClock.now + .seconds(5)
        while open.contains(where: \.isActive), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(open.allSatisfy { !$0.isActive })
        #expect(server.connectionCount == 0)
        await server.stop()
    }
}

/// A raw TCP client: writes bytes, reads until `marker` appears or the server closes (bounded by 5 s).
enum RawClient {
    static func exchange(port: Int, _ bytes: [UInt8], until marker: String?) async throws -> String {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let collector = Collector(marker: marker, done: loop.makePromise(of: Void.self))
        let channel = try await ClientBootstrap(group: loop)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(collector) }
            }
            .connect(host: "127.0.0.1", port: port).get()
        try await channel.writeAndFlush(ByteBuffer(bytes: bytes))
        let timeout = loop.scheduleTask(in: TimeAmount.seconds(5)) { collector.done.succeed() }
        try await collector.done.futureResult.get()
        timeout.cancel()
        try? await channel.close()
        return collector.text.withLock { $0 }
    }

    final class Collector: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let text = Mutex("")
        let marker: String?
        let done: EventLoopPromise<Void>
        init(marker: String?, done: EventLoopPromise<Void>) {
            self.marker = marker
            self.done = done
        }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let received = String(buffer: unwrapInboundIn(data))
            let all = text.withLock {
                $0 += received
                return $0
            }
            if let marker, all.contains(marker) { done.succeed() }
        }
        func channelInactive(context: ChannelHandlerContext) { done.succeed() }
    }
}
