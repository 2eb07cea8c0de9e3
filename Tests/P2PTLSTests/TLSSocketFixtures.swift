import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import P2PTLS

/// Our TLS server on a free loopback port: TLS, then HTTP/1.1 answering every request with a short body.
final class TestTLSServer: Sendable {
    static let body = "hello from swift-p2p"

    let channel: any Channel
    /// One recorder per accepted connection, in accept order.
    let connections = NIOLockedValueBox<[ConnectionRecorder]>([])
    var port: Int { channel.localAddress!.port! }

    init(group: any EventLoopGroup, context: TLSContext, logger: Logger) async throws {
        let connections = self.connections
        channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture {
                    let recorder = ConnectionRecorder()
                    connections.withLockedValue { $0.append(recorder) }
                    try child.pipeline.syncOperations.addHandler(TLSHandler(context: context, logger: logger))
                    try child.pipeline.syncOperations.addHandler(recorder)
                    try child.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: false)
                    try child.pipeline.syncOperations.addHandler(HelloHandler())
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
    }

    var errors: [TLSError] { connections.withLockedValue { $0.flatMap(\.errors) } }

    /// Waits (bounded) until some connection reported `code`.
    func waitForError(_ code: TLSError.Code) async -> Bool {
        await eventually { self.errors.contains { $0.code == code } }
    }

    func stop() async throws { try await channel.close() }
}

/// Polls `condition` every 10 ms for at most 10 s.
func eventually(_ condition: @Sendable () -> Bool) async -> Bool {
    for _ in 0..<1_000 {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return condition()
}

/// Answers each request with 200 and `TestTLSServer.body`, then closes the connection.
final class HelloHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .end = unwrapInboundIn(data) else { return }
        var head = HTTPResponseHead(version: .http1_1, status: .ok)
        head.headers.add(name: "Content-Length", value: "\(TestTLSServer.body.utf8.count)")
        head.headers.add(name: "Content-Type", value: "text/plain")
        head.headers.add(name: "Connection", value: "close")
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: TestTLSServer.body)))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }
}

/// What one client connection saw.
struct ClientOutcome {
    let recorder: ConnectionRecorder
    var errors: [TLSError] { recorder.errors }
    var text: String { recorder.receivedText }
}

/// Connects our TLS client, sends `request` once the handshake completes, and waits (bounded) for the close.
func runClient(
    group: any EventLoopGroup, context: TLSContext, hostname: String, port: Int, logger: Logger,
    request: String = "GET / HTTP/1.1\r\nHost: server.example\r\nConnection: close\r\n\r\n"
) async throws -> ClientOutcome {
    let recorder = ConnectionRecorder()
    let channel = try await ClientBootstrap(group: group)
        .connectTimeout(.seconds(5))
        .channelInitializer { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(
                    TLSHandler(context: context, serverHostname: hostname, logger: logger))
                try channel.pipeline.syncOperations.addHandler(recorder)
            }
        }
        .connect(host: "127.0.0.1", port: port)
        .get()
    // Written before the handshake completes: the handler holds it until then.
    channel.writeAndFlush(ByteBuffer(string: request), promise: nil)
    let closed = await eventually { recorder.isInactive }
    if !closed { try? await channel.close() }
    return ClientOutcome(recorder: recorder)
}

/// A plain TCP client: sends `bytes` (or nothing), and reports whether the server closed within the wait.
func runRawClient(group: any EventLoopGroup, port: Int, bytes: [UInt8]) async throws -> Bool {
    let recorder = ConnectionRecorder()
    let channel = try await ClientBootstrap(group: group)
        .channelInitializer { channel in
            channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(recorder) }
        }
        .connect(host: "127.0.0.1", port: port)
        .get()
    if !bytes.isEmpty { try await channel.writeAndFlush(ByteBuffer(bytes: bytes)) }
    let closed = await eventually { recorder.isInactive }
    if !closed { try? await channel.close() }
    return closed
}
