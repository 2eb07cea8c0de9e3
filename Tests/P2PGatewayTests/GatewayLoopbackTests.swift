import Foundation
import NIOCore
import NIOPosix
import P2PBus
import P2PGateway
import P2PMembership
import P2PTestSupport
import P2PWire
import Synchronization
import Testing

/// A real server on a free loopback port, driven by real `curl` and by our own client, in plain
/// HTTP and over TLS (`P2PTLS`).
@Suite(.serialized) struct GatewayLoopbackTests {
    typealias F = GatewayFixtures
    static let curl = "/usr/bin/curl"

    /// Lets the first `parties` publishes through only together (bounded wait), and records how many
    /// overlapped: more than one means the client had that many requests in flight on its connection.
    final class OverlapRecorder: InboundPublisher {
        static let maximumWaitRounds = 400  // × 5 ms
        let inner: any InboundPublisher
        let parties: Int
        private let state = Mutex((arrived: 0, current: 0, maximum: 0))

        init(_ inner: any InboundPublisher, parties: Int) {
            self.inner = inner
            self.parties = parties
        }

        var maximumOverlap: Int { state.withLock { $0.maximum } }
        var publishes: Int { state.withLock { $0.arrived } }

        func publish(_ records: [InboundRecord]) async throws {
            state.withLock {
                $0.arrived += 1
                $0.current += 1
                $0.maximum = max($0.maximum, $0.current)
            }
            defer { state.withLock { $0.current -= 1 } }
            for _ in 0..<Self.maximumWaitRounds where state.withLock({ $0.arrived }) < parties {
                try await Task.sleep(for: .milliseconds(5))
            }
            try await inner.publish(records)
        }
    }

    struct Fixture {
        let group: MultiThreadedEventLoopGroup
        let bus: InProcessBus
        let server: GatewayServer
        let directory: URL
        let tls: GatewayTLSFixture?
        let publisher: OverlapRecorder

        static func start(maximumRequestSize: Int = 64 * 1024, tls useTLS: Bool, overlap: Int = 1)
            async throws
            -> Fixture
        {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
                "p2p-gw-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let tls = useTLS ? try GatewayTLSFixture(directory: directory) : nil
            let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
            let bus = try await F.bus()
            let sessions = SessionPartitionsDirectory()
            sessions.set([1], for: F.known)
            let publisher = OverlapRecorder(
                BusInboundPublisher(producer: try await bus.makeProducer(options: ProducerOptions())),
                parties: overlap)
            let server = try await GatewayServer.start(
                host: "127.0.0.1", port: 0, group: group,
                configuration: .init(maximumRequestSize: maximumRequestSize),
                publisher: publisher, sessions: sessions, prepare: tls?.serverPreparation)
            return Fixture(
                group: group, bus: bus, server: server, directory: directory, tls: tls, publisher: publisher
            )
        }

        /// Runs `body` against a started fixture and stops it (by closing the listener, the bus and the
        /// event loops) whether `body` throws or not.
        static func with(
            maximumRequestSize: Int = 64 * 1024, tls: Bool, overlap: Int = 1,
            _ body: (Fixture) async throws -> Void
        ) async throws {
            let fixture = try await start(
                maximumRequestSize: maximumRequestSize, tls: tls, overlap: overlap)
            do {
                try await body(fixture)
            } catch {
                try await fixture.stop()
                throw error
            }
            try await fixture.stop()
        }

        func stop() async throws {
            await server.stop()
            await bus.close()
            try await group.shutdownGracefully()
            try? FileManager.default.removeItem(at: directory)
        }

        var endpoint: GatewayEndpoint {
            get throws { try GatewayEndpoint(host: "127.0.0.1", port: server.port, usesTLS: tls != nil) }
        }

        /// Posts `body` with curl (`--cacert` over TLS); returns the HTTP status and the response body.
        func curl(_ body: ByteBuffer, contentType: String = GatewayHTTP.contentType) throws -> (
            Int, ByteBuffer
        ) {
            let input = directory.appendingPathComponent(UUID().uuidString)
            let output = directory.appendingPathComponent(UUID().uuidString)
            try Data(body.readableBytesView).write(to: input)
            let process = Process()
            let pipe = Pipe()
            process.executableURL = URL(fileURLWithPath: GatewayLoopbackTests.curl)
            process.arguments =
                [
                    "-s", "-S", "--max-time", "10", "-o", output.path, "-w", "%{http_code}", "-H", "Expect:",
                    "-H", "Content-Type: \(contentType)", "--data-binary", "@\(input.path)",
                ] + (tls.map { ["--cacert", $0.rootPEMPath] } ?? []) + ["\(try endpoint)/gateway/send"]
            process.standardOutput = pipe
            try process.run()
            process.waitUntilExit()  // bounded by --max-time
            let code = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            let received = (try? Data(contentsOf: output)) ?? Data()
            return (Int(code) ?? -1, ByteBuffer(bytes: received))
        }
    }

    @Test(arguments: [false, true]) func curlGetsEveryStatus(tls: Bool) async throws {
        try await Fixture.with(maximumRequestSize: 4096, tls: tls) { fixture in
            let (ok, okBody) = try fixture.curl(
                try F.batch([try F.data(), try F.data(F.unknown)], policy: .always))
            #expect(ok == 200)
            #expect(
                try GatewayStatusBody.decode(okBody) == .accepted([.init(frameIndex: 1, .unknownSession)]))
            #expect(try await F.linkIn(fixture.bus, expecting: 1).map(\.partition) == [1])

            let (bad, badBody) = try fixture.curl(ByteBuffer(string: "not a batch, just text"))
            #expect(bad == 400)
            #expect(
                try GatewayStatusBody.decode(badBody).outcome == WireError.Code.badBatchMagic.rawValue)

            let (large, largeBody) = try fixture.curl(ByteBuffer(repeating: 0x41, count: 8192))
            #expect(large == 413)
            #expect(
                try GatewayStatusBody.decode(largeBody).outcome
                    == GatewayError.Code.requestTooLarge.rawValue)

            let (media, _) = try fixture.curl(
                try F.batch([try F.data()]), contentType: "application/json")
            #expect(media == 415)
        }
    }

    @Test(arguments: [false, true]) func clientPipelinesBatchesAndFailsOverFromADeadEndpoint(
        tls: Bool
    ) async throws {
        let inFlight = 4
        try await Fixture.with(tls: tls, overlap: inFlight) { fixture in
            let dead = try GatewayEndpoint(
                host: "127.0.0.1", port: try NATSServer.freePort(), usesTLS: tls)
            let live = try fixture.endpoint
            var connection = GatewayConfiguration.Connection()
            connection.acquireTimeoutMillis = 2_000
            connection.initialReconnectionDelayMillis = 20
            connection.retryDelayMillis = 20
            let pool = try GatewayConnectionPool(
                endpoints: [dead, live], eventLoop: fixture.group.next(),
                limits: .init(maximumInFlight: inFlight),
                timing: .init(connection), prepare: fixture.tls?.clientPreparation)
            let count = 12
            let results = try await withThrowingTaskGroup(of: GatewayStatusBody.self) { group in
                for sequence in 1...count {
                    let frames = [
                        try F.data(sequence: UInt64(sequence)), try F.data(F.unknown, sequence: 100),
                    ]
                    let body = try F.batch(frames)
                    group.addTask { try await pool.send(body) }
                }
                var results: [GatewayStatusBody] = []
                for try await result in group { results.append(result) }
                return results
            }
            // Every batch accepted, the unknown session's frame reported per frame.
            #expect(
                results
                    == Array(repeating: .accepted([.init(frameIndex: 1, .unknownSession)]), count: count))
            #expect(try await pool.currentEndpoint() == live)
            #expect(fixture.publisher.maximumOverlap == inFlight)
            let records = try await F.linkIn(fixture.bus, expecting: count)
            #expect(records.count == count)
            #expect(Set(records.map(\.partition)) == [1])
            #expect(fixture.server.connectionCount == 1)  // one pipelined connection carried all 12
            await fixture.server.stop()
            #expect(fixture.server.connectionCount == 0)
            await pool.shutdown()
        }
    }

    @Test func outboundCoalescesFramesPerDestinationIntoBatches() async throws {
        try await Fixture.with(tls: false) { fixture in
            let outcomes = Mutex<[GatewayOutbound<String>.Outcome]>([])
            let outbound = GatewayOutbound<String>(
                eventLoop: fixture.group.next(),
                batcherLimits: .init(maximumFrames: 8, maximumLatency: .milliseconds(200))
            ) { outcome in outcomes.withLock { $0.append(outcome) } }
            let endpoints = [try fixture.endpoint]
            await #expect(throws: GatewayError(.invalidEndpoint)) {
                try await outbound.submit(try F.data(), to: "nobody", endpoints: [])
            }
            for sequence in 1...20 {
                try await outbound.submit(
                    try F.data(sequence: UInt64(sequence)), to: "bob", endpoints: endpoints)
            }
            try await withTimeout {
                while outcomes.withLock({ $0.map(\.frames.count).reduce(0, +) }) < 20 {
                    try await Task.sleep(for: .milliseconds(5))
                }
            }
            let done = outcomes.withLock { $0 }
            #expect(done.allSatisfy { $0.destination == "bob" && $0.frames.count <= 8 })
            #expect(done.allSatisfy { (try? $0.result.get()) == .accepted() })
            #expect(done.count >= 3)  // 20 frames, at most 8 per batch
            #expect(fixture.publisher.publishes == done.count)  // one request per batch
            #expect(done.flatMap(\.frames).map(\.header.sequenceNumber).sorted() == Array(1...20))
            #expect(try await F.linkIn(fixture.bus, expecting: 20).count == 20)
            await outbound.shutdown()
        }
    }

    @Test func aLowerDestinationBoundCutsNothingUntilANewDestinationNeedsRoom() async throws {
        try await Fixture.with(tls: false) { fixture in
            let outcomes = Mutex<[GatewayOutbound<String>.Outcome]>([])
            let outbound = GatewayOutbound<String>(eventLoop: fixture.group.next(), maximumDestinations: 10) { outcome in
                outcomes.withLock { $0.append(outcome) }
            }
            let endpoints = [try fixture.endpoint]
            /// Sends one frame to each of `destinations` and waits (bounded) for `total` outcomes in all.
            func send(to destinations: [String], total: Int) async throws {
                for destination in destinations {
                    try await outbound.submit(try F.data(), to: destination, endpoints: endpoints)
                }
                try await withTimeout {
                    while outcomes.withLock({ $0.count }) < total { try await Task.sleep(for: .milliseconds(5)) }
                }
            }
            try await send(to: ["a", "b", "c"], total: 3)
            #expect(fixture.server.connectionCount == 3)  // one pool, one connection per destination
            var connection = GatewayConfiguration.Connection()
            connection.maxClientConnections = 2
            await outbound.update(timing: .init(connection), maximumDestinations: connection.maxClientConnections)
            try await send(to: ["a"], total: 4)  // a known destination: nothing is cut
            #expect(fixture.server.connectionCount == 3)
            try await send(to: ["d"], total: 5)  // room for "d": the two least recently used pools go
            try await withTimeout {
                while fixture.server.connectionCount > 2 { try await Task.sleep(for: .milliseconds(5)) }
            }
            #expect(fixture.server.connectionCount == 2)
            #expect(outcomes.withLock { $0.allSatisfy { (try? $0.result.get()) == .accepted() } })
            await outbound.shutdown()
        }
    }

    /// Refuses the first `refusals` publishes (503), then publishes.
    final class RefusingFirst: InboundPublisher {
        let inner: any InboundPublisher
        let calls = Mutex(0)
        let refusals: Int

        init(_ inner: any InboundPublisher, refusals: Int) {
            self.inner = inner
            self.refusals = refusals
        }

        func publish(_ records: [InboundRecord]) async throws {
            let call = calls.withLock { calls in
                calls += 1
                return calls
            }
            if call <= refusals { throw RefusingPublisher.Refused() }
            try await inner.publish(records)
        }
    }

    @Test func clientRetries503ButNever4xx() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let bus = try await F.bus()
        let publisher = RefusingFirst(
            BusInboundPublisher(producer: try await bus.makeProducer(options: ProducerOptions())), refusals: 2)
        let server = try await GatewayServer.start(
            host: "127.0.0.1", port: 0, group: group, configuration: .init(), publisher: publisher,
            sessions: SessionPartitionsDirectory())
        var connection = GatewayConfiguration.Connection()
        connection.retryDelayMillis = 10
        let pool = try GatewayConnectionPool(
            endpoints: [try GatewayEndpoint(host: "127.0.0.1", port: server.port, usesTLS: false)],
            eventLoop: group.next(), limits: .init(maximumRetries: 2), timing: .init(connection))
        do {
            // Two 503s, then accepted on the third attempt.
            #expect(try await pool.send(try F.batch([try F.unauthenticated()])) == .accepted())
            #expect(publisher.calls.withLock { $0 } == 3)
            // A 400 fails at once as `rejected` (a retried batch would end as `retriesExhausted`).
            await #expect(throws: GatewayError(.rejected)) { try await pool.send(ByteBuffer(string: "not a batch")) }
            #expect(try await F.linkIn(bus, expecting: 1).count == 1)
            #expect(server.connectionCount == 1)  // neither the 503s nor the 400 closed the connection
        } catch {
            Issue.record(error)
        }
        await pool.shutdown()
        await server.stop()
        await bus.close()
        try await group.shutdownGracefully()
    }
}
