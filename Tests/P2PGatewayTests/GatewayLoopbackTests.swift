import Foundation
import NIOCore
import NIOPosix
import P2PBus
import P2PGateway
import P2PMembership
import P2PTestSupport
import P2PWire
import Testing

/// A real server on a free loopback port, driven by real `curl` and by our own client.
@Suite(.serialized) struct GatewayLoopbackTests {
    typealias F = GatewayFixtures
    static let curl = "/usr/bin/curl"

    struct Fixture {
        let group: MultiThreadedEventLoopGroup
        let bus: InProcessBus
        let server: GatewayServer
        let sessions: SessionPartitionsDirectory
        let directory: URL

        static func start(maximumRequestSize: Int = 64 * 1024) async throws -> Fixture {
            let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
            let bus = try await F.bus()
            let sessions = SessionPartitionsDirectory()
            sessions.set([1], for: F.known)
            let server = try await GatewayServer.start(
                host: "127.0.0.1", port: 0, group: group,
                configuration: .init(maximumRequestSize: maximumRequestSize),
                publisher: BusInboundPublisher(producer: try await bus.makeProducer(options: ProducerOptions())),
                sessions: sessions)
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("p2p-gw-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            return Fixture(group: group, bus: bus, server: server, sessions: sessions, directory: directory)
        }

        func stop() async throws {
            await server.stop()
            await bus.close()
            try await group.shutdownGracefully()
            try? FileManager.default.removeItem(at: directory)
        }

        /// Posts `body` with curl; returns the HTTP status and the response body.
        func curl(_ body: ByteBuffer, contentType: String = GatewayHTTP.contentType) throws -> (Int, ByteBuffer) {
            let input = directory.appendingPathComponent(UUID().uuidString)
            let output = directory.appendingPathComponent(UUID().uuidString)
            try Data(body.readableBytesView).write(to: input)
            let process = Process()
            let pipe = Pipe()
            process.executableURL = URL(fileURLWithPath: GatewayLoopbackTests.curl)
            process.arguments = [
                "-s", "-S", "--max-time", "10", "-o", output.path, "-w", "%{http_code}", "-H", "Expect:",
                "-H", "Content-Type: \(contentType)", "--data-binary", "@\(input.path)",
                "http://127.0.0.1:\(server.port)/gateway/send",
            ]
            process.standardOutput = pipe
            try process.run()
            process.waitUntilExit()  // bounded by --max-time
            let code = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            let received = (try? Data(contentsOf: output)) ?? Data()
            return (Int(code) ?? -1, ByteBuffer(bytes: received))
        }
    }

    @Test func curlGetsEveryStatus() async throws {
        let fixture = try await Fixture.start(maximumRequestSize: 4096)
        do {
            let (ok, okBody) = try fixture.curl(try F.batch([try F.data(), try F.data(F.unknown)], policy: .always))
            #expect(ok == 200)
            #expect(try GatewayStatusBody.decode(okBody) == .accepted([.init(frameIndex: 1, .unknownSession)]))
            #expect(try await F.linkIn(fixture.bus, expecting: 1).map(\.partition) == [1])

            let (bad, badBody) = try fixture.curl(ByteBuffer(string: "not a batch, just text"))
            #expect(bad == 400)
            #expect(try GatewayStatusBody.decode(badBody).outcome == WireError.Code.badBatchMagic.rawValue)

            let (large, _) = try fixture.curl(ByteBuffer(repeating: 0x41, count: 8192))
            #expect(large == 413)

            let (media, _) = try fixture.curl(try F.batch([try F.data()]), contentType: "application/json")
            #expect(media == 415)
        } catch {
            try await fixture.stop()
            throw error
        }
        try await fixture.stop()
    }

    @Test func clientPipelinesBatchesAndFailsOverFromADeadEndpoint() async throws {
        let fixture = try await Fixture.start()
        let dead = try GatewayEndpoint(host: "127.0.0.1", port: try NATSServer.freePort(), usesTLS: false)
        let live = try GatewayEndpoint(host: "127.0.0.1", port: fixture.server.port, usesTLS: false)
        var connection = GatewayConfiguration.Connection()
        connection.acquireTimeoutMillis = 2_000
        connection.initialReconnectionDelayMillis = 20
        connection.retryDelayMillis = 20
        let pool = try GatewayConnectionPool(
            endpoints: [dead, live], eventLoop: fixture.group.next(), limits: .init(maximumInFlight: 4),
            timing: .init(connection))
        let count = 12
        do {
            let results = try await withThrowingTaskGroup(of: GatewayStatusBody.self) { group in
                for sequence in 1...count {
                    let body = try F.batch([try F.data(sequence: UInt64(sequence))])
                    group.addTask { try await pool.send(body) }
                }
                var results: [GatewayStatusBody] = []
                for try await result in group { results.append(result) }
                return results
            }
            #expect(results == Array(repeating: .accepted(), count: count))
            #expect(try await pool.currentEndpoint() == live)
            let records = try await F.linkIn(fixture.bus, expecting: count)
            #expect(records.count == count)
            #expect(Set(records.map(\.partition)) == [1])
        } catch {
            await pool.shutdown()
            try await fixture.stop()
            throw error
        }
        await pool.shutdown()
        try await fixture.stop()
    }
}
