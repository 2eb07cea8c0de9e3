import Benchmark
import Foundation
import Logging
import NIOCore
import NIOEmbedded
import P2PTLS
import P2PX509

/// Handshakes and bulk transfer through `TLSHandler` (two `EmbeddedChannel`s back to back, in memory), each
/// next to its same-run baseline: the bare OpenSSL memory-BIO pipe (`TLSMemoryPipe`) on the same contexts.
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
    for size in [1024, 16_384] {
        let payload = [UInt8](repeating: 0x5A, count: size)
        let writes = (1 << 20) / size  // 1 MiB per iteration
        let label = size == 1024 ? "1 KB" : "16 KB"
        Benchmark(
            "Bulk 1 MiB in \(label) writes bare OpenSSL (baseline)",
            configuration: .init(scalingFactor: .one)
        ) { benchmark in
            let pipe = try TLSMemoryPipe(client: fixture.client, server: fixture.server, hostname: Fixture.hostname)
            try pipe.handshake()
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                blackHole(try pipe.transfer(payload, count: writes))
            }
        }
        Benchmark(
            "Bulk 1 MiB in \(label) writes TLSHandler",
            configuration: .init(scalingFactor: .one)
        ) { benchmark in
            let pair = try BackToBack(fixture)
            try pair.connect()
            let buffer = ByteBuffer(bytes: payload)
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                for _ in 0..<writes {
                    pair.client.writeAndFlush(buffer, promise: nil)
                    try pair.pump()
                }
            }
            benchmark.stopMeasurement()
            precondition(pair.sink.received >= writes * size, "the handler lost bytes")
        }
        Benchmark(
            "Bulk 1 MiB in \(label) writes EmbeddedChannel pair without TLS (harness cost)",
            configuration: .init(scalingFactor: .one)
        ) { benchmark in
            let pair = try BackToBack(plaintext: ())
            try pair.connect()
            let buffer = ByteBuffer(bytes: payload)
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                for _ in 0..<writes {
                    pair.client.writeAndFlush(buffer, promise: nil)
                    try pair.pump()
                }
            }
            benchmark.stopMeasurement()
            precondition(pair.sink.received >= writes * size, "the harness lost bytes")
        }
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
