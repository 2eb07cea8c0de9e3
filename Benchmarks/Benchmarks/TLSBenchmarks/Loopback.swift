import Benchmark
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOTLS
import P2PTLS

/// Handshakes and bulk transfer through `TLSHandler` over real loopback TCP sockets (NIO's epoll event loops,
/// client and server on their own threads), each next to the same work without TLS: what TLS costs once
/// sockets, syscalls and the kernel's loopback path are part of every write.
func loopbackBenchmarks(_ fixture: Fixture) {
    for tls in [true, false] {
        let label = tls ? "TLSHandler" : "plaintext (baseline)"
        Benchmark("Loopback TCP connect, handshake and close, \(label)", configuration: .init(scalingFactor: .one)) {
            benchmark in
            let server = try LoopbackServer(fixture: tls ? fixture : nil)
            defer { server.stop() }
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                let client = try server.connect()
                try client.close()
            }
            benchmark.stopMeasurement()
        }
        Benchmark("Loopback TCP 1 MiB in 16 KB writes, 16 per flush, \(label)", configuration: .init(scalingFactor: .one)) {
            benchmark in
            let server = try LoopbackServer(fixture: tls ? fixture : nil)
            defer { server.stop() }
            let client = try server.connect()
            let buffer = ByteBuffer(repeating: 0x5A, count: 16_384)
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                try client.send(buffer, count: 64, writesPerFlush: 16)
            }
            benchmark.stopMeasurement()
            try client.close()
        }
    }
}

/// A server on 127.0.0.1 (with `TLSHandler` when `fixture` is given) counting the plaintext bytes it reads.
final class LoopbackServer {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
    let fixture: Fixture?
    let counter = LoopbackCounter()
    private let channel: Channel

    init(fixture: Fixture?) throws {
        self.fixture = fixture
        let counter = self.counter
        let logger = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })
        channel = try ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let fixture { try channel.pipeline.syncOperations.addHandler(TLSHandler(context: fixture.server, logger: logger)) }
                    try channel.pipeline.syncOperations.addHandler(LoopbackSink(counter: counter))
                }
            }
            .bind(host: "127.0.0.1", port: 0).wait()
    }

    func connect() throws -> LoopbackClient {
        let logger = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })
        let fixture = self.fixture
        let ready = group.next().makePromise(of: Void.self)
        let channel = try ClientBootstrap(group: group)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let fixture {
                        try channel.pipeline.syncOperations.addHandler(
                            TLSHandler(context: fixture.client, serverHostname: Fixture.hostname, logger: logger))
                        try channel.pipeline.syncOperations.addHandler(HandshakeWaiter(ready))
                    } else {
                        ready.succeed()
                    }
                }
            }
            .connect(host: "127.0.0.1", port: channel.localAddress!.port!).wait()
        try ready.futureResult.wait()
        return LoopbackClient(channel: channel, counter: counter)
    }

    func stop() {
        try? channel.close().wait()
        try? group.syncShutdownGracefully()
    }
}

/// The client end: sends bytes and waits until the server has read them all.
struct LoopbackClient {
    let channel: Channel
    let counter: LoopbackCounter

    func send(_ buffer: ByteBuffer, count: Int, writesPerFlush: Int) throws {
        let done = counter.expect(count * buffer.readableBytes, on: channel.eventLoop)
        try channel.eventLoop.submit {
            forEachVector(of: count, perFlush: writesPerFlush) { vector in
                for _ in 0..<vector { channel.write(buffer, promise: nil) }
                channel.flush()
            }
        }.wait()
        try done.wait()
    }

    func close() throws { try channel.close().wait() }
}

/// Bytes read by the server's connections, and the promise of the sender waiting for a total.
final class LoopbackCounter: Sendable {
    private struct State {
        var received = 0
        var target = Int.max
        var promise: EventLoopPromise<Void>?
    }
    private let state = NIOLockedValueBox(State())

    /// A future that succeeds once `bytes` more than now have been read.
    func expect(_ bytes: Int, on loop: any EventLoop) -> EventLoopFuture<Void> {
        let promise = loop.makePromise(of: Void.self)
        state.withLockedValue {
            $0.target = $0.received + bytes
            $0.promise = promise
        }
        return promise.futureResult
    }

    func add(_ bytes: Int) {
        let reached: EventLoopPromise<Void>? = state.withLockedValue {
            $0.received += bytes
            guard $0.received >= $0.target, let promise = $0.promise else { return nil }
            $0.promise = nil
            return promise
        }
        reached?.succeed()
    }
}

final class LoopbackSink: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    let counter: LoopbackCounter
    init(counter: LoopbackCounter) { self.counter = counter }
    func channelRead(context: ChannelHandlerContext, data: NIOAny) { counter.add(unwrapInboundIn(data).readableBytes) }
}

/// Succeeds `promise` when the client's handshake completes; fails it when the connection fails first.
final class HandshakeWaiter: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    let promise: EventLoopPromise<Void>
    init(_ promise: EventLoopPromise<Void>) { self.promise = promise }
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case TLSUserEvent.handshakeCompleted = event as? TLSUserEvent ?? .shutdownCompleted { promise.succeed() }
        context.fireUserInboundEventTriggered(event)
    }
    func errorCaught(context: ChannelHandlerContext, error: any Error) { promise.fail(error) }
    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(ChannelError.inputClosed)
        context.fireChannelInactive()
    }
}
