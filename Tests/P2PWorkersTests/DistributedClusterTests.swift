import Foundation
import P2PBus
import P2PBusJetStream
import P2PCluster
import P2PIdentity
import P2PLinkManager
import P2PLinkManagerService
import P2PMembership
import P2PTestSupport
import Testing

/// Alice's and Bob's clusters in the distributed mode: each its own nats-server, `p2p bus setup` and
/// `p2p setup apply`, and `p2p-link-manager` and `p2p-gateway` as separate processes.
@Suite("Distributed workers end to end", .serialized)
struct DistributedClusterTests {
    static let waitLimit = Duration.seconds(20)

    /// One cluster's bus with its network applied, and the files the workers need.
    struct ClusterBus {
        let server: NATSServer
        let keyPath: String

        var workerArguments: [String] { ["--url", server.url, "--cluster-key", keyPath, "--connect-attempts", "2"] }

        /// A nats-server with the standard layout and cluster `index` of `network` applied (through `p2p`).
        static func start(_ network: DemoNetwork, _ index: Int) async throws -> ClusterBus {
            let server = try await NATSServer.start()
            let keyPath = server.directory.appendingPathComponent("cluster.key").path
            let networkPath = server.directory.appendingPathComponent("network.json").path
            try network.clusterKeys[index].write(toNewFile: keyPath)
            try Data(network.networkFiles[index]).write(to: URL(fileURLWithPath: networkPath))
            let setup = try await P2PBinary.run(["bus", "setup", "--url", server.url])
            guard setup.status == 0 else { throw FixtureError("p2p bus setup: \(setup.stderr)") }
            let apply = try await P2PBinary.run(["setup", "apply", "--url", server.url, "--cluster-key", keyPath, networkPath])
            guard apply.status == 0 else { throw FixtureError("p2p setup apply: \(apply.stderr)") }
            return ClusterBus(server: server, keyPath: keyPath)
        }
    }

    static func network() throws -> DemoNetwork {
        var linkManager = LinkManagerConfiguration()
        linkManager.replayPeriodMillis = 500
        linkManager.sessionsPerPeer = 2
        let plans = [
            DemoNetwork.ClusterPlan(organisations: ["Alice Corp"], port: try FreePort.find()),
            DemoNetwork.ClusterPlan(organisations: ["Bob Corp"], port: try FreePort.find()),
        ]
        return try DemoNetwork.generate(clusters: plans, linkManager: linkManager)
    }

    static func message(_ n: Int, from source: HoldingIdentity, to destination: HoldingIdentity) throws -> AppMessage {
        .authenticated(
            AuthenticatedMessage(
                header: AuthenticatedMessageHeader(
                    destination: destination, source: source, ttl: LinkManagerService.wallClock() + 60_000,
                    messageID: try MessageID("m-\(n)"), subsystem: "test"),
                payload: Array(repeating: UInt8(truncatingIfNeeded: n), count: 256)))
    }

    /// Polls until `done` says so or the limit passes; a bounded wait.
    static func collect<T>(
        _ limit: Duration = waitLimit, poll: () async throws -> [T], until done: ([T]) -> Bool
    ) async throws -> [T] {
        let deadline = ContinuousClock.now + limit
        var all: [T] = []
        while !done(all), ContinuousClock.now < deadline { all += try await poll() }
        return all
    }

    /// Starts a worker and waits for its ready line.
    static func worker(_ executable: String, _ arguments: [String], ready: String) async throws -> WorkerProcess {
        let process = try WorkerProcess(executable, arguments)
        do {
            try await process.waitFor(ready)
        } catch {
            process.kill()
            throw error
        }
        return process
    }

    // Bounded waits (20 s) are for failures; on two loaded cores the test takes a few seconds.
    @Test("Alice's messages reach Bob exactly once through separate worker processes, with delivered statuses")
    func aliceToBobThroughWorkers() async throws {
        let network = try Self.network()
        let aliceBus = try await ClusterBus.start(network, 0)
        defer { aliceBus.server.stop() }
        let bobBus = try await ClusterBus.start(network, 1)
        defer { bobBus.server.stop() }

        var workers: [WorkerProcess] = []
        defer { workers.forEach { $0.kill() } }
        for (bus, name) in [(aliceBus, "alice"), (bobBus, "bob")] {
            workers.append(
                try await Self.worker(
                    "p2p-link-manager", bus.workerArguments + ["--instance-id", "\(name)-lm-1"], ready: "running"))
            workers.append(
                try await Self.worker("p2p-gateway", bus.workerArguments + ["--instance-id", "\(name)-gw-1", "--verbose"], ready: "listening"))
        }

        let alice = try await JetStreamBus.connect(urls: [aliceBus.server.url])
        let bob = try await JetStreamBus.connect(urls: [bobBus.server.url])
        let aliceApp = try await ClusterApplication(bus: alice, name: "alice")
        let bobApp = try await ClusterApplication(bus: bob, name: "bob")
        let (from, to) = (network.identities[0][0], network.identities[1][0])

        let count = 50
        var receipts: [PublishReceipt] = []
        for n in 0..<count {
            receipts.append(try await aliceApp.send(try Self.message(n, from: from, to: to), key: Array("k-\(n)".utf8)))
        }
        for receipt in receipts { _ = try await receipt.accepted() }

        let received = try await Self.collect(poll: { try await bobApp.receive(timeout: .milliseconds(100)) }) {
            $0.count >= count
        }
        let statuses = try await Self.collect(poll: { try await aliceApp.statuses(timeout: .milliseconds(100)) }) {
            $0.count >= count
        }
        let extra = try await bobApp.receive(timeout: .milliseconds(300))

        let ids = received.map(\.messageID.value)
        #expect(ids.count == count, "\(workers.map { "\($0.name): \($0.text)" }.joined(separator: "\n"))")
        #expect(Set(ids) == Set((0..<count).map { "m-\($0)" }))
        #expect(extra.isEmpty)
        #expect(received.allSatisfy { $0.source == from && $0.destination == to })
        #expect(statuses.count == count)
        #expect(statuses.allSatisfy { $0.status == .delivered }, "\(statuses.prefix(3))")
        #expect(Set(statuses.map(\.messageID.value)).count == count)

        await aliceApp.close()
        await bobApp.close()
        await alice.close()
        await bob.close()
        // SIGTERM: every worker stops cleanly and says what it did.
        for worker in workers {
            let status = try await worker.terminate()
            #expect(status == 0, "\(worker.name): \(worker.text)")
            #expect(worker.text.contains("stopped"), "\(worker.name): \(worker.text)")
        }
        #expect(workers[2].text.contains("\(count) delivered to applications"), "\(workers[2].text)")
    }
}
