import Benchmark
import NIOCore
import NIOPosix
import P2PBus
import P2PGateway
import P2PWire

/// The gateway's pure parts (routing a batch, one request through the connection-pool state
/// machine) and the whole path over loopback: our client → HTTP/1.1 → our server → the in-process
/// bus (which keeps the last 10,000 records per partition), with pipelining. See PERFORMANCE.md, "Gateway".
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal, .throughput], maxDuration: .seconds(3), maxIterations: 10_000)

    let framesPerBatch = 64
    let frames = GatewayBench.frames(count: framesPerBatch, payload: 1024)
    let body = GatewayBench.batch(frames)

    Benchmark("Route 64 × 1 KB Data frames (InboundRouter)") { benchmark in
        var generator = SystemRandomNumberGenerator()
        let partitions: [Int] = [0, 1, 2, 3]
        for _ in benchmark.scaledIterations {
            blackHole(
                InboundRouter.route(frames, nowMilliseconds: 0, partitions: { _ in partitions }, using: &generator))
        }
    }

    Benchmark("Pool state machine: enqueue, send, 200", configuration: .init(scalingFactor: .kilo)) { benchmark in
        var machine = try ConnectionPoolStateMachine(
            endpoints: [try GatewayEndpoint(url: "http://127.0.0.1:1")])
        var ok = ByteBuffer()
        GatewayStatusBody.accepted().encode(into: &ok)
        let now = NIODeadline.now()
        _ = machine.enqueue(body, now: now)
        _ = machine.connectSucceeded(generation: 1, now: now)
        _ = machine.responseReceived(generation: 1, status: 200, body: ok, keepAlive: true, now: now)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(machine.enqueue(body, now: now))
            blackHole(machine.responseReceived(generation: 1, status: 200, body: ok, keepAlive: true, now: now))
        }
    }

    for inFlight in [1, 8] {
        Benchmark(
            "Loopback: 64 batches of 64 × 1 KB frames, \(inFlight) in flight",
            configuration: .init(metrics: [.wallClock, .throughput], maxDuration: .seconds(5), maxIterations: 200)
        ) { benchmark in
            let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
            let bus = InProcessBus()
            try await bus.createTopic(TopicSpec(name: "link.in", partitions: 4, maxRecordsPerPartition: 10_000))
            let sessions = SessionPartitionsDirectory()
            sessions.set([0, 1, 2, 3], for: GatewayBench.session)
            let server = try await GatewayServer.start(
                host: "127.0.0.1", port: 0, group: group, configuration: .init(),
                publisher: BusInboundPublisher(producer: try await bus.makeProducer(options: ProducerOptions())),
                sessions: sessions)
            let pool = try GatewayConnectionPool(
                endpoints: [try GatewayEndpoint(host: "127.0.0.1", port: server.port, usesTLS: false)],
                eventLoop: group.next(), limits: .init(maximumInFlight: inFlight))
            _ = try await pool.send(body)  // connect outside the measurement
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                try await withThrowingTaskGroup(of: Void.self) { tasks in
                    for _ in 0..<64 { tasks.addTask { blackHole(try await pool.send(body)) } }
                    try await tasks.waitForAll()
                }
            }
            benchmark.stopMeasurement()
            await pool.shutdown()
            await server.stop()
            await bus.close()
            try await group.shutdownGracefully()
        }
    }
}

enum GatewayBench {
    static let session = SessionID(high: 7, low: 7)

    static func frames(count: Int, payload: Int) -> [LinkFrame] {
        (0..<count).map { index in
            try! LinkFrame(
                sessionID: session, sequenceNumber: UInt64(index), timestamp: 1_700_000_000_000,
                body: .data(expiry: 0, sealedPayload: ByteBuffer(bytes: (0..<payload).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ index) })))
        }
    }

    static func batch(_ frames: [LinkFrame]) -> ByteBuffer {
        var encoder = FrameBatchEncoder(policy: .never)
        var buffer = ByteBuffer()
        _ = try! encoder.encode(frames, into: &buffer)
        return buffer
    }
}
