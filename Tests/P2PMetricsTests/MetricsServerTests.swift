import Foundation
import NIOCore
import NIOPosix
import P2PLinkManagerService
import P2PMetrics
import Synchronization
import P2PTestSupport
import Testing

/// The endpoint on a free loopback port over snapshot sources, scraped with real curl.
@Suite("Metrics server over HTTP", .serialized)
struct MetricsServerTests {
    static let waitLimit = Duration.seconds(10)

    static func start(_ box: SnapshotBox<LinkManagerSnapshot>) async throws -> MetricsServer {
        let collector = MetricsCollector()
        try collector.addLinkManager(member: "lm-1") { box.current }
        try collector.addGateway(member: "gw-1") { GatewaySnapshot(framesSubmitted: 2) }
        return try await MetricsServer.start(collector: collector, port: 0)
    }

    static func base(_ server: MetricsServer) -> String { "http://127.0.0.1:\(server.port)" }

    @Test func scrapesShowTheLatestSnapshot() async throws {
        let box = SnapshotBox(LinkManagerSnapshot())
        let server = try await Self.start(box)
        #expect(server.port > 0)
        #expect(server.url == "http://127.0.0.1:\(server.port)/metrics")
        box.update { $0.counters.deliveredToApplications = 3 }
        let first = try await Curl.run(server.url)
        #expect(first.exitStatus == 0)
        #expect(first.statusCode == 200)
        #expect(first.contentType == "text/plain; version=0.0.4; charset=utf-8")
        #expect(first.value(of: "p2p_link_manager_delivered_to_applications_total", member: "lm-1") == 3)
        #expect(first.value(of: "p2p_gateway_frames_submitted_total", member: "gw-1") == 2)

        box.update {
            $0.counters.deliveredToApplications = 40
            $0.counters.handshakesCompleted = 2
            $0.trackedCount = 5
        }
        let second = try await Curl.run(server.url)
        #expect(second.statusCode == 200)
        #expect(second.value(of: "p2p_link_manager_delivered_to_applications_total", member: "lm-1") == 40)
        #expect(second.value(of: "p2p_link_manager_handshakes_completed_total", member: "lm-1") == 2)
        #expect(second.value(of: "p2p_link_manager_tracked_messages", member: "lm-1") == 5)

        let health = try await Curl.run(Self.base(server) + "/healthz")
        #expect(health.statusCode == 200 && health.body == "ok\n")
        // Two requests on one keep-alive connection.
        let twice = try await Curl.run(server.url, ["-o", "/dev/null", server.url])
        #expect(twice.exitStatus == 0 && twice.statusCode == 200)
        await server.stop()
        await server.stop()
        #expect(try await Curl.run(server.url).exitStatus != 0)
    }

    @Test func badRequestsAreRefusedAndTheServerKeepsServing() async throws {
        let server = try await Self.start(SnapshotBox(LinkManagerSnapshot()))
        let post = try await Curl.run(server.url, ["-X", "POST", "--data", "x"])
        #expect(post.statusCode == 405)
        let unknown = try await Curl.run(Self.base(server) + "/nowhere")
        #expect(unknown.statusCode == 404)

        // A declared body over the limit: 413 as soon as the head is read.
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("metrics-body-\(getpid())")
        try Data(repeating: 0x61, count: 256 * 1024).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        for expect in ["Expect: 100-continue", "Expect:"] {
            let large = try await Curl.run(server.url, ["-X", "POST", "-H", expect, "--data-binary", "@\(file.path)"])
            #expect(large.statusCode == 413, "\(expect)")
        }
        // A chunked body (no declared length) that grows over the limit.
        let chunked = try await Curl.run(
            server.url, ["-H", "Transfer-Encoding: chunked", "-H", "Expect:", "--data-binary", "@\(file.path)"])
        #expect(chunked.statusCode == 413)
        // A small body on a GET is read and ignored.
        let small = try await Curl.run(server.url, ["-X", "GET", "--data", "tiny"])
        #expect(small.statusCode == 200)

        // Bytes that are not HTTP: the server answers 400 and closes the connection.
        let answer = try await RawConnection.exchange(port: server.port, bytes: Array("\u{1}\u{2}GARBAGE \u{7f}\r\n\r\n".utf8))
        #expect(answer.closed)
        #expect(String(decoding: answer.received, as: UTF8.self).hasPrefix("HTTP/1.1 400"))

        let after = try await Curl.run(server.url)
        #expect(after.statusCode == 200)
        await server.stop()
    }

    @Test func connectionsAreBounded() async throws {
        let server = try await Self.start(SnapshotBox(LinkManagerSnapshot()))
        let group = MultiThreadedEventLoopGroup.singleton
        var open: [any Channel] = []
        for _ in 0..<MetricsServer.maximumConnections {
            open.append(try await ClientBootstrap(group: group).connect(host: "127.0.0.1", port: server.port).get())
        }
        let deadline = ContinuousClock.now + Self.waitLimit
        while server.connectionCount < MetricsServer.maximumConnections, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(server.connectionCount == MetricsServer.maximumConnections)
        // One more is accepted by the kernel and closed by the server at once.
        let extra = try await RawConnection.exchange(port: server.port, bytes: [])
        #expect(extra.closed && extra.received.isEmpty)
        for channel in open { try await channel.close() }
        while server.connectionCount > 0, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(try await Curl.run(server.url).statusCode == 200)
        await server.stop()
    }

    @Test func idleConnectionsAreClosed() async throws {
        let collector = MetricsCollector()
        let server = try await MetricsServer.start(collector: collector, port: 0, idleTimeout: .milliseconds(100))
        let silent = try await RawConnection.exchange(port: server.port, bytes: [])
        #expect(silent.closed && silent.received.isEmpty)
        // Half a request, then silence.
        let partial = try await RawConnection.exchange(port: server.port, bytes: Array("GET /metrics HTTP/1.1\r\n".utf8))
        #expect(partial.closed && partial.received.isEmpty)
        await server.stop()
    }

    @Test func portAndBindErrors() async throws {
        let collector = MetricsCollector()
        await #expect(throws: MetricsError(.invalidPort)) { _ = try await MetricsServer.start(collector: collector, port: 70_000) }
        await #expect(throws: MetricsError(.invalidPort)) { _ = try await MetricsServer.start(collector: collector, port: -1) }
        let first = try await MetricsServer.start(collector: collector, port: 0)
        await #expect(throws: MetricsError(.bindFailed)) {
            _ = try await MetricsServer.start(collector: collector, port: first.port)
        }
        await #expect(throws: MetricsError(.bindFailed)) {
            _ = try await MetricsServer.start(collector: collector, host: "203.0.113.1", port: 0)
        }
        await first.stop()
    }
}

/// A plain TCP client: sends bytes, then collects what comes back until the server closes (bounded).
enum RawConnection {
    struct Answer {
        var received: [UInt8]
        var closed: Bool
    }

    final class Collector: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let bytes = Mutex<[UInt8]>([])
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let buffer = unwrapInboundIn(data)
            bytes.withLock { $0 += Array(buffer.readableBytesView) }
        }
    }

    static func exchange(port: Int, bytes: [UInt8], limit: Duration = .seconds(5)) async throws -> Answer {
        let collector = Collector()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(collector) }
            }
            .connect(host: "127.0.0.1", port: port).get()
        if !bytes.isEmpty { try await channel.writeAndFlush(ByteBuffer(bytes: bytes)) }
        let timedOut = Mutex(false)
        let timer = Task {
            try await Task.sleep(for: limit)
            timedOut.withLock { $0 = true }
            try? await channel.close()
        }
        try? await channel.closeFuture.get()
        timer.cancel()
        let closed = !timedOut.withLock { $0 }
        return Answer(received: collector.bytes.withLock { $0 }, closed: closed)
    }
}
