import Benchmark
import Foundation
import Logging
import NIOCore
import NIOEmbedded
import P2PTLS
import P2PX509

/// Handshakes and bulk transfer through `TLSHandler`, each next to its same-run baseline: the bare OpenSSL
/// memory-BIO pipe (`TLSMemoryPipe`) on the same contexts. Bulk transfer is measured three ways: two handlers in
/// `EmbeddedChannel`s back to back, and one handler facing a bare OpenSSL peer (`TLSMemoryPeer`), sending and
/// receiving, so that the other end is the same code as in the baseline.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .throughput], warmupIterations: 3,
        maxDuration: .seconds(5), maxIterations: 10_000)

    for algorithm in [KeyAlgorithm.ecP256, .rsa(bits: 2048)] {
        let fixture = try! Fixture(algorithm: algorithm)
        Benchmark("Handshake \(algorithm) bare OpenSSL (baseline)") { benchmark in
            for _ in benchmark.scaledIterations {
                let pipe = try TLSMemoryPipe(client: fixture.client, server: fixture.server, hostname: Fixture.hostname)
                try pipe.handshake()
                blackHole(pipe)
            }
        }
        Benchmark("Handshake \(algorithm) TLSHandler") { benchmark in
            for _ in benchmark.scaledIterations {
                let pair = try BackToBack(fixture)
                try pair.connect()
                blackHole(pair)
            }
        }
    }

    let fixture = try! Fixture(algorithm: .ecP256)
    // (write size, writes per flush). One write per flush is the latency-bound case: every record pays a channel
    // write and flush. Several writes per flush is bulk streaming as swift-nio-ssl's own ManyWrites benchmark
    // runs it (vectors of small writes, one flush): still one record per write, the flush cost shared.
    let shapes = [(1024, 1), (1024, 4), (1024, 16), (1024, 64), (16_384, 1)]
    for (size, perFlush) in shapes {
        let payload = [UInt8](repeating: 0x5A, count: size)
        let writes = (1 << 20) / size  // 1 MiB per iteration
        let label = (size == 1024 ? "1 KB writes" : "16 KB writes") + (perFlush == 1 ? "" : ", \(perFlush) per flush,")
        Benchmark(
            "Bulk 1 MiB in \(label) bare OpenSSL (baseline)",
            configuration: .init(scalingFactor: .one)
        ) { benchmark in
            let pipe = try TLSMemoryPipe(client: fixture.client, server: fixture.server, hostname: Fixture.hostname)
            try pipe.handshake()
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                blackHole(try pipe.transfer(payload, count: writes, writesPerFlush: perFlush))
            }
        }
        Benchmark(
            "Bulk 1 MiB in \(label) TLSHandler",
            configuration: .init(scalingFactor: .one)
        ) { benchmark in
            let pair = try BackToBack(fixture)
            try pair.connect()
            let buffer = ByteBuffer(bytes: payload)
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                try pair.send(buffer, count: writes, writesPerFlush: perFlush)
            }
            benchmark.stopMeasurement()
            precondition(pair.sink.received >= writes * size, "the handler lost bytes")
        }
        sendingBenchmark("Bulk 1 MiB in \(label) TLSHandler sending to bare OpenSSL", payload, writes, perFlush) {
            let pair = try HandlerFacingBare(fixture)
            try pair.connect()
            return (pair.channel, pair.peer)
        }
        receivingBenchmark("Bulk 1 MiB in \(label) bare OpenSSL sending to TLSHandler", payload, writes, perFlush) {
            let pair = try HandlerFacingBare(fixture)
            try pair.connect()
            return (pair.peer, pair.channel, pair.sink)
        }
        if perFlush == 1 {
            sendingBenchmark(
                "Bulk 1 MiB in \(label) bare OpenSSL sending in a minimal handler (same plumbing)", payload, writes,
                perFlush
            ) {
                let pair = try BareInChannel(fixture, sending: true)
                return (pair.channel, pair.server)
            }
            receivingBenchmark(
                "Bulk 1 MiB in \(label) bare OpenSSL receiving in a minimal handler (same plumbing)", payload, writes,
                perFlush
            ) {
                let pair = try BareInChannel(fixture, sending: false)
                return (pair.client, pair.channel, pair.sink)
            }
        }
        Benchmark(
            "Bulk 1 MiB in \(label) EmbeddedChannel pair without TLS (harness cost)",
            configuration: .init(scalingFactor: .one)
        ) { benchmark in
            let pair = try BackToBack(plaintext: ())
            try pair.connect()
            let buffer = ByteBuffer(bytes: payload)
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                try pair.send(buffer, count: writes, writesPerFlush: perFlush)
            }
            benchmark.stopMeasurement()
            precondition(pair.sink.received >= writes * size, "the harness lost bytes")
        }
    }
    loopbackBenchmarks(fixture)
}

/// `writes` writes of `payload` into a channel whose handler encrypts them (`TLSHandler`, or the minimal bare one),
/// flushed every `perFlush` writes, the ciphertext of each flush decrypted by a bare OpenSSL peer.
func sendingBenchmark(
    _ name: String, _ payload: [UInt8], _ writes: Int, _ perFlush: Int,
    setUp: @escaping () throws -> (channel: EmbeddedChannel, receiver: TLSMemoryPeer)
) {
    Benchmark(name, configuration: .init(scalingFactor: .one)) { benchmark in
        let (channel, receiver) = try setUp()
        let buffer = ByteBuffer(bytes: payload)
        var received = 0
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            try forEachVector(of: writes, perFlush: perFlush) { vector in
                for _ in 0..<vector { channel.write(buffer, promise: nil) }
                channel.flush()
                while let bytes = try channel.readOutbound(as: ByteBuffer.self) { receiver.receiveCiphertext(bytes) }
                received += receiver.readAvailable()
            }
        }
        benchmark.stopMeasurement()
        precondition(received >= writes * payload.count, "bytes were lost")
    }
}

/// `writes` writes of `payload` encrypted by a bare OpenSSL peer, the ciphertext of every `perFlush` writes read into
/// a channel whose handler decrypts it (`TLSHandler`, or the minimal bare one) and passes the plaintext to `sink`.
func receivingBenchmark(
    _ name: String, _ payload: [UInt8], _ writes: Int, _ perFlush: Int,
    setUp: @escaping () throws -> (sender: TLSMemoryPeer, channel: EmbeddedChannel, sink: Sink)
) {
    Benchmark(name, configuration: .init(scalingFactor: .one)) { benchmark in
        let (sender, channel, sink) = try setUp()
        var ciphertext = ByteBuffer()
        ciphertext.reserveCapacity(2 * TLSMemoryPeer.scratchSize)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            try forEachVector(of: writes, perFlush: perFlush) { vector in
                for _ in 0..<vector { try sender.write(payload) }
                ciphertext.clear()
                sender.sendCiphertext(into: &ciphertext)
                try channel.writeInbound(ciphertext)
            }
        }
        benchmark.stopMeasurement()
        precondition(sink.received >= writes * payload.count, "bytes were lost")
    }
}

/// Calls `body` with the size of each vector of at most `perFlush` writes, in order, until they add up to `count`.
func forEachVector(of count: Int, perFlush: Int, _ body: (Int) throws -> Void) rethrows {
    var written = 0
    while written < count {
        let vector = min(perFlush, count - written)
        try body(vector)
        written += vector
    }
}

/// One CA, one server identity, and a client and a server context.
struct Fixture {
    static let hostname = "bench.example"
    let client: TLSContext
    let server: TLSContext

    init(algorithm: KeyAlgorithm) throws {
        let now = Date()
        let authority = try CertificateAuthority.selfSigned(
            key: try PrivateKey(generating: algorithm),
            profile: .certificateAuthority(
                subject: try DistinguishedName(commonName: "Bench Root"), serialNumber: SerialNumber(1),
                validFrom: now.addingTimeInterval(-60), days: 2))
        let key = try PrivateKey(generating: algorithm)
        let leaf = try authority.issue(
            profile: .tlsEndEntity(
                subject: try DistinguishedName(commonName: Self.hostname), alternativeNames: [.dns(Self.hostname)],
                serialNumber: SerialNumber(2), validFrom: now.addingTimeInterval(-60), days: 1),
            publicKey: key.publicKey)
        server = try TLSContext(
            role: .server, configuration: TLSConfiguration(identities: [try TLSIdentity(chain: [leaf], key: key)]))
        client = try TLSContext(role: .client, configuration: TLSConfiguration(trustRoots: [authority.certificate]))
    }
}

/// Counts plaintext bytes arriving at the server.
final class Sink: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    var received = 0
    func channelRead(context: ChannelHandlerContext, data: NIOAny) { received += unwrapInboundIn(data).readableBytes }
}

/// Client and server `EmbeddedChannel`s with `TLSHandler`s, bytes moved between them in memory.
final class BackToBack {
    static let maximumRounds = 64
    let client: EmbeddedChannel
    let server: EmbeddedChannel
    let sink = Sink()

    init(_ fixture: Fixture) throws {
        let loop = EmbeddedEventLoop()
        let logger = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })
        client = EmbeddedChannel(loop: loop)
        server = EmbeddedChannel(loop: loop)
        try client.pipeline.syncOperations.addHandler(
            TLSHandler(context: fixture.client, serverHostname: Fixture.hostname, logger: logger))
        try server.pipeline.syncOperations.addHandler(TLSHandler(context: fixture.server, logger: logger))
        try server.pipeline.syncOperations.addHandler(sink)
    }

    /// The same pair with no TLS handlers: what moving bytes between two `EmbeddedChannel`s costs by itself.
    init(plaintext: Void) throws {
        let loop = EmbeddedEventLoop()
        client = EmbeddedChannel(loop: loop)
        server = EmbeddedChannel(loop: loop)
        try server.pipeline.syncOperations.addHandler(sink)
    }

    func connect() throws {
        let address = try SocketAddress(ipAddress: "127.0.0.1", port: 443)
        _ = try server.connect(to: address).wait()
        _ = try client.connect(to: address).wait()
        try pump()
    }

    /// `count` writes of `buffer` from the client, flushed every `writesPerFlush` writes, each flush's bytes moved
    /// through to the server's sink.
    func send(_ buffer: ByteBuffer, count: Int, writesPerFlush: Int) throws {
        try forEachVector(of: count, perFlush: writesPerFlush) { vector in
            for _ in 0..<vector { client.write(buffer, promise: nil) }
            client.flush()
            try pump()
        }
    }

    func pump() throws {
        for _ in 0..<Self.maximumRounds {
            var moved = false
            while let bytes = try client.readOutbound(as: ByteBuffer.self) {
                try server.writeInbound(bytes)
                moved = true
            }
            while let bytes = try server.readOutbound(as: ByteBuffer.self) {
                try client.writeInbound(bytes)
                moved = true
            }
            if !moved { return }
        }
    }
}

/// A client `TLSHandler` in an `EmbeddedChannel` facing a bare OpenSSL server (`TLSMemoryPeer`) in memory.
final class HandlerFacingBare {
    static let maximumRounds = 64
    let channel = EmbeddedChannel()
    let peer: TLSMemoryPeer
    let sink = Sink()

    init(_ fixture: Fixture) throws {
        let logger = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })
        peer = try TLSMemoryPeer(context: fixture.server)
        try channel.pipeline.syncOperations.addHandler(
            TLSHandler(context: fixture.client, serverHostname: Fixture.hostname, logger: logger))
        try channel.pipeline.syncOperations.addHandler(sink)
    }

    /// Runs the handshake; the server's session tickets are read by the handler on the way.
    func connect() throws {
        _ = try channel.connect(to: try SocketAddress(ipAddress: "127.0.0.1", port: 443)).wait()
        var buffer = ByteBuffer()
        for _ in 0..<Self.maximumRounds {
            var moved = false
            while let bytes = try channel.readOutbound(as: ByteBuffer.self) {
                peer.receiveCiphertext(bytes)
                moved = true
            }
            let done = try peer.handshakeStep()
            buffer.clear()
            peer.sendCiphertext(into: &buffer)
            if buffer.readableBytes > 0 {
                try channel.writeInbound(buffer)
                moved = true
            }
            if done, !moved { return }
        }
        throw TLSError(.noForwardProgress, "benchmark handshake did not finish")
    }
}

/// Two bare OpenSSL peers (`TLSMemoryPeer`), handshaken, with an `EmbeddedChannel` carrying one direction through
/// a minimal handler that calls OpenSSL directly: the same channel plumbing as `HandlerFacingBare`, without
/// `TLSHandler`. Sending, the channel's handler encrypts with the client; receiving, it decrypts with the server.
final class BareInChannel {
    let client: TLSMemoryPeer
    let server: TLSMemoryPeer
    let channel = EmbeddedChannel()
    let sink = Sink()

    init(_ fixture: Fixture, sending: Bool) throws {
        client = try TLSMemoryPeer(context: fixture.client, hostname: Fixture.hostname)
        server = try TLSMemoryPeer(context: fixture.server)
        var buffer = ByteBuffer()
        var done = false
        for _ in 0..<HandlerFacingBare.maximumRounds where !done {
            let clientDone = try client.handshakeStep()
            buffer.clear()
            client.sendCiphertext(into: &buffer)
            server.receiveCiphertext(buffer)
            let serverDone = try server.handshakeStep()
            buffer.clear()
            server.sendCiphertext(into: &buffer)
            client.receiveCiphertext(buffer)
            done = clientDone && serverDone
        }
        precondition(done, "benchmark handshake did not finish")
        if sending {
            try channel.pipeline.syncOperations.addHandler(BareSender(client))
        } else {
            try channel.pipeline.syncOperations.addHandler(BareReceiver(server))
            try channel.pipeline.syncOperations.addHandler(sink)
        }
        _ = try channel.connect(to: try SocketAddress(ipAddress: "127.0.0.1", port: 443)).wait()
    }
}

/// Encrypts each write with OpenSSL directly and sends the ciphertext on flush; no buffering, no states.
final class BareSender: ChannelOutboundHandler {
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    let peer: TLSMemoryPeer
    var ciphertext: ByteBuffer?

    init(_ peer: TLSMemoryPeer) { self.peer = peer }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        try! peer.write(unwrapOutboundIn(data))
        promise?.succeed()
    }

    func flush(context: ChannelHandlerContext) {
        var buffer = ciphertext ?? context.channel.allocator.buffer(capacity: 64 * 1024)
        ciphertext = nil
        buffer.clear()
        peer.sendCiphertext(into: &buffer)
        ciphertext = buffer
        context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
    }
}

/// Decrypts each read with OpenSSL directly into a reused buffer and passes the plaintext on.
final class BareReceiver: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    let peer: TLSMemoryPeer
    var plaintext: ByteBuffer?

    init(_ peer: TLSMemoryPeer) { self.peer = peer }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        peer.receiveCiphertext(unwrapInboundIn(data))
        var buffer = plaintext ?? context.channel.allocator.buffer(capacity: 64 * 1024)
        plaintext = nil
        buffer.clear()
        peer.readAvailable(into: &buffer)
        plaintext = buffer
        context.fireChannelRead(wrapInboundOut(buffer))
    }
}
