import NIOCore
import NIOPosix
import P2PBus
import P2PGateway
import P2PMembership
import Synchronization
import Testing

/// A real server on a loopback port, drained as a new listener takes over, and its request size limit
/// changed while connections are open (`docs/gateway.md` §10).
@Suite(.serialized) struct GatewayServerDrainTests {
    typealias F = GatewayFixtures

    /// Holds every publish until `open()` (or until its bounded wait runs out, then refuses).
    final class Gate: InboundPublisher {
        static let maximumWaitRounds = 1_000  // × 5 ms
        let inner: any InboundPublisher
        private let state = Mutex((open: false, waiting: 0))

        init(_ inner: any InboundPublisher) { self.inner = inner }

        func open() { state.withLock { $0.open = true } }
        var waiting: Int { state.withLock { $0.waiting } }

        func publish(_ records: [InboundRecord]) async throws {
            state.withLock { $0.waiting += 1 }
            defer { state.withLock { $0.waiting -= 1 } }
            for _ in 0..<Self.maximumWaitRounds where !state.withLock({ $0.open }) {
                try await Task.sleep(for: .milliseconds(5))
            }
            guard state.withLock({ $0.open }) else { throw RefusingPublisher.Refused() }
            try await inner.publish(records)
        }
    }

    /// A server publishing through a `Gate` to an in-process bus (`F.known` on partition 1), and a
    /// pool to it that never retries (a batch cut by the server fails instead of being resent).
    struct Fixture {
        let group: MultiThreadedEventLoopGroup
        let bus: InProcessBus
        let gate: Gate
        let configuration: GatewayServerHandler.Configuration
        let server: GatewayServer
        let pool: GatewayConnectionPool

        /// Runs `body` against a started fixture, then stops everything whether `body` throws or not.
        static func with(_ body: (Fixture) async throws -> Void) async throws {
            let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
            let bus = try await F.bus()
            let gate = Gate(BusInboundPublisher(producer: try await bus.makeProducer(options: ProducerOptions())))
            let sessions = SessionPartitionsDirectory()
            sessions.set([1], for: F.known)
            let configuration = GatewayServerHandler.Configuration(maximumRequestSize: 64 * 1024)
            let server = try await GatewayServer.start(
                host: "127.0.0.1", port: 0, group: group, configuration: configuration, publisher: gate, sessions: sessions)
            var connection = GatewayConfiguration.Connection()
            connection.initialReconnectionDelayMillis = 10  // a 413 closes the connection
            let pool = try GatewayConnectionPool(
                endpoints: [try GatewayEndpoint(host: "127.0.0.1", port: server.port, usesTLS: false)],
                eventLoop: group.next(), limits: .init(maximumRetries: 0), timing: .init(connection))
            let fixture = Fixture(group: group, bus: bus, gate: gate, configuration: configuration, server: server, pool: pool)
            do {
                try await body(fixture)
            } catch {
                Issue.record(error)
            }
            gate.open()
            await pool.shutdown()
            await server.stop()
            await bus.close()
            try await group.shutdownGracefully()
        }

        /// Whether a new TCP connection to the server's port is refused.
        func refusesConnections() async -> Bool {
            do {
                let channel = try await ClientBootstrap(group: group).connect(host: "127.0.0.1", port: server.port).get()
                try? await channel.close()
                return false
            } catch {
                return true
            }
        }
    }

    /// Polls `condition` every 5 ms, at most `rounds` times.
    func eventually(rounds: Int = 1_000, _ condition: () async -> Bool) async throws -> Bool {
        for _ in 0..<rounds {
            if await condition() { return true }
            try await Task.sleep(for: .milliseconds(5))
        }
        return await condition()
    }

    @Test func aDrainedConnectionAnswersItsRequestInFlightThenCloses() async throws {
        try await Fixture.with { fixture in
            let body = try F.batch([try F.data()])
            let sent = Task { try await fixture.pool.send(body) }
            #expect(try await eventually { fixture.gate.waiting == 1 })  // the request is being published
            let drained = Task { await fixture.server.drain() }
            #expect(try await eventually { await fixture.refusesConnections() })
            #expect(fixture.server.connectionCount == 1)  // the connection stays while its request is in flight
            fixture.gate.open()
            #expect(try await sent.value == .accepted())  // answered, not cut (no retry was allowed)
            await drained.value
            #expect(fixture.server.connectionCount == 0)
            #expect(try await F.linkIn(fixture.bus, expecting: 1).count == 1)
        }
    }

    @Test func aConnectionStillBusyAfterTheDrainTimeoutIsClosed() async throws {
        try await Fixture.with { fixture in
            let body = try F.batch([try F.data()])
            let sent = Task { try await fixture.pool.send(body) }
            #expect(try await eventually { fixture.gate.waiting == 1 })
            await fixture.server.drain(timeout: .milliseconds(100))
            #expect(fixture.server.connectionCount == 0)
            await #expect(throws: GatewayError(.retriesExhausted)) { try await sent.value }
        }
    }

    @Test func aRequestSizeLimitChangeAppliesToTheNextRequestOnAnOpenConnection() async throws {
        try await Fixture.with { fixture in
            fixture.gate.open()
            // A frame of a session nobody knows: answered per frame, nothing to publish.
            let body = try F.batch([try F.data(F.unknown, size: 1500)])
            let unknown = GatewayStatusBody.accepted([.init(frameIndex: 0, .unknownSession)])
            #expect(body.readableBytes > 1024)
            #expect(try await fixture.pool.send(body) == unknown)
            fixture.configuration.requestSizeLimit.set(1024)
            await #expect(throws: GatewayError(.rejected)) { try await fixture.pool.send(body) }  // 413
            fixture.configuration.requestSizeLimit.set(64 * 1024)
            #expect(try await fixture.pool.send(body) == unknown)
            #expect(fixture.server.connectionCount <= 1)
        }
    }
}
