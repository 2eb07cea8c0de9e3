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
        // A session whose responder died is replaced after this long without an acknowledgement.
        linkManager.heartbeatPeriodMillis = 1_000
        linkManager.sessionTimeoutMillis = 4_000
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

    /// Both clusters running as worker processes, and an application connection to each bus.
    final class Clusters {
        let network: DemoNetwork
        let aliceBus: ClusterBus
        let bobBus: ClusterBus
        var aliceLinkManagers: [WorkerProcess] = []
        var bobLinkManagers: [WorkerProcess] = []
        var gateways: [WorkerProcess] = []
        var buses: [JetStreamBus] = []
        var aliceApp: ClusterApplication!
        var bobApp: ClusterApplication!
        var from: HoldingIdentity { network.identities[0][0] }
        var to: HoldingIdentity { network.identities[1][0] }
        var workers: [WorkerProcess] { aliceLinkManagers + bobLinkManagers + gateways }

        private init(network: DemoNetwork, aliceBus: ClusterBus, bobBus: ClusterBus) {
            self.network = network
            self.aliceBus = aliceBus
            self.bobBus = bobBus
        }

        /// Starts both buses, `aliceLinkManagers` + `bobLinkManagers` link managers and one gateway
        /// per cluster, and connects the applications. On failure everything started is stopped.
        static func start(aliceLinkManagers: Int, bobLinkManagers: Int) async throws -> Clusters {
            let network = try DistributedClusterTests.network()
            let aliceBus = try await ClusterBus.start(network, 0)
            let bobBus: ClusterBus
            do { bobBus = try await ClusterBus.start(network, 1) } catch {
                aliceBus.server.stop()
                throw error
            }
            let clusters = Clusters(network: network, aliceBus: aliceBus, bobBus: bobBus)
            do {
                clusters.buses = [
                    try await JetStreamBus.connect(urls: [aliceBus.server.url]), try await JetStreamBus.connect(urls: [bobBus.server.url]),
                ]
                for (index, (bus, name, count)) in [(aliceBus, "alice", aliceLinkManagers), (bobBus, "bob", bobLinkManagers)].enumerated() {
                    var linkManagers: [WorkerProcess] = []
                    for instance in 1...count {
                        linkManagers.append(
                            try await DistributedClusterTests.worker(
                                "p2p-link-manager", bus.workerArguments + ["--instance-id", "\(name)-lm-\(instance)", "--verbose"],
                                ready: "running"))
                        if name == "alice" { clusters.aliceLinkManagers.append(linkManagers.last!) } else {
                            clusters.bobLinkManagers.append(linkManagers.last!)
                        }
                    }
                    try await settle(linkManagers, partitions: try await clusters.buses[index].partitionCount(of: "link.in"))
                    clusters.gateways.append(
                        try await DistributedClusterTests.worker(
                            "p2p-gateway", bus.workerArguments + ["--instance-id", "\(name)-gw-1", "--verbose"], ready: "listening"))
                }
                clusters.aliceApp = try await ClusterApplication(bus: clusters.buses[0], name: "alice")
                clusters.bobApp = try await ClusterApplication(bus: clusters.buses[1], name: "bob")
            } catch {
                await clusters.close()
                throw error
            }
            return clusters
        }

        /// Waits (bounded) until the link managers share `link.in` evenly, as their `--verbose` lines say.
        static func settle(_ linkManagers: [WorkerProcess], partitions: Int) async throws {
            let deadline = ContinuousClock.now + DistributedClusterTests.waitLimit
            while ContinuousClock.now < deadline {
                let shares = linkManagers.map { DistributedClusterTests.lastPartitions($0.text) ?? [] }
                if Set(shares.flatMap { $0 }).count == partitions, shares.allSatisfy({ $0.count == partitions / linkManagers.count }) {
                    return
                }
                try await Task.sleep(for: .milliseconds(50))
            }
            throw FixtureError("link.in did not settle over \(linkManagers.count) link managers")
        }

        /// Publishes messages `numbers` to `p2p.out`, awaiting each acceptance.
        func send(_ numbers: Range<Int>) async throws {
            var receipts: [PublishReceipt] = []
            for n in numbers {
                receipts.append(try await aliceApp.send(try DistributedClusterTests.message(n, from: from, to: to), key: Array("k-\(n)".utf8)))
            }
            for receipt in receipts { _ = try await receipt.accepted() }
        }

        /// Every worker's output, for failure messages.
        var outputs: String { workers.map { "\($0.name): \($0.text)" }.joined(separator: "\n") }

        /// Closes the applications' connections, kills what still runs and stops both servers.
        func close() async {
            await aliceApp?.close()
            await bobApp?.close()
            for bus in buses { await bus.close() }
            buses = []
            workers.forEach { $0.kill() }
            aliceBus.server.stop()
            bobBus.server.stop()
        }
    }

    // Bounded waits (20 s) are for failures; on two loaded cores each case takes a few seconds.
    @Test(
        "Alice's messages reach Bob exactly once through separate worker processes, with delivered statuses",
        arguments: [1, 2])
    func aliceToBobThroughWorkers(linkManagersPerCluster: Int) async throws {
        let clusters = try await Clusters.start(aliceLinkManagers: linkManagersPerCluster, bobLinkManagers: linkManagersPerCluster)
        let count = 50
        do {
            try await clusters.send(0..<count)
            let received = try await Self.collect(poll: { try await clusters.bobApp.receive(timeout: .milliseconds(100)) }) {
                Set($0.map(\.messageID.value)).count >= count
            }
            let statuses = try await Self.collect(poll: { try await clusters.aliceApp.statuses(timeout: .milliseconds(100)) }) {
                Set($0.map(\.messageID.value)).count >= count
            }
            let extra = try await clusters.bobApp.receive(timeout: .milliseconds(300))

            let ids = received.map(\.messageID.value)
            #expect(ids.count == count, "\(clusters.outputs)")
            #expect(Set(ids) == Set((0..<count).map { "m-\($0)" }))
            #expect(extra.isEmpty)
            #expect(received.allSatisfy { $0.source == clusters.from && $0.destination == clusters.to })
            #expect(Set(statuses.map(\.messageID.value)).count == count)
            #expect(statuses.allSatisfy { $0.status == .delivered }, "\(statuses.prefix(3))")
            // Each session points at its holder's share of link.in, not at every partition, once the consumer
            // group's rebalance has reached every instance (each re-points its sessions at its next tick).
            for bus in clusters.buses {
                let share = try await bus.partitionCount(of: "link.in") / linkManagersPerCluster
                var entries = try await Self.sessionPartitions(bus)
                let settle = ContinuousClock.now + .seconds(10)
                while !entries.values.allSatisfy({ $0.count == share }), ContinuousClock.now < settle {
                    try await Task.sleep(for: .milliseconds(100))
                    entries = try await Self.sessionPartitions(bus)
                }
                #expect(!entries.isEmpty)
                #expect(entries.values.allSatisfy { $0.count == share }, "\(entries)")
            }
        } catch {
            await clusters.close()
            throw error
        }
        await clusters.aliceApp.close()
        await clusters.bobApp.close()
        // SIGTERM: every worker stops cleanly and says what it did.
        for worker in clusters.workers {
            let status = try await worker.terminate()
            #expect(status == 0, "\(worker.name): \(worker.text)")
            #expect(worker.text.contains("stopped"), "\(worker.name): \(worker.text)")
        }
        let delivered = clusters.bobLinkManagers.map { Self.deliveredCount($0.text) }
        #expect(delivered.reduce(0, +) >= count, "\(clusters.outputs)")
        await clusters.close()
    }

    // Bob's cluster runs two link managers; one is SIGKILLed while Alice's messages flow. Its leases
    // move to the survivor after the consumer session timeout (10 s), Alice replaces the sessions it
    // held after `sessionTimeoutMillis` and replays what was not acknowledged; copies delivered twice
    // (once by each instance) are stored once by p2p.in's de-duplication window.
    @Test("a link manager SIGKILLed mid-stream: every message still reaches Bob once")
    func linkManagerKilledMidStream() async throws {
        let clusters = try await Clusters.start(aliceLinkManagers: 1, bobLinkManagers: 2)
        let (first, total) = (150, 300)
        do {
            try await clusters.send(0..<first)
            var received = try await Self.collect(poll: { try await clusters.bobApp.receive(timeout: .milliseconds(50)) }) {
                $0.count >= 10
            }
            // Kill an instance that holds a session (its link.in share is some session's partitions).
            let held = Set(try await Self.sessionPartitions(clusters.buses[1]).values)
            let victim = try #require(
                clusters.bobLinkManagers.first { Self.lastPartitions($0.text).map(held.contains) == true },
                "no link manager holds a session: \(held) \(clusters.outputs)")
            victim.kill()
            let atKill = Set(received.map(\.messageID.value)).count
            try await clusters.send(first..<total)
            received += try await Self.collect(.seconds(60), poll: { try await clusters.bobApp.receive(timeout: .milliseconds(100)) }) {
                Set((received + $0).map(\.messageID.value)).count >= total
            }
            received += try await clusters.bobApp.receive(timeout: .milliseconds(500))
            print("link manager killed after \(atKill) of \(first) messages in flight were received")
            let ids = received.map(\.messageID.value)
            let lost = total - Set(ids).count
            let duplicates = ids.count - Set(ids).count
            print("link manager killed mid-stream: \(total) sent, \(lost) lost, \(duplicates) duplicates")
            #expect(lost == 0, "\(clusters.outputs)")
            #expect(duplicates == 0)
            #expect(Set(ids) == Set((0..<total).map { "m-\($0)" }))
        } catch {
            await clusters.close()
            throw error
        }
        for worker in clusters.workers where worker.isRunning {
            let status = try await worker.terminate()
            #expect(status == 0, "\(worker.name): \(worker.text)")
        }
        await clusters.close()
    }

    // Alice's cluster runs two link managers. Bob's gateway is stopped (SIGSTOP) before any message,
    // so no session comes up and every message Alice's link managers take from p2p.out stays owed,
    // held only in their memory and in p2p.out.markers.state. One of them is SIGKILLed; Bob's gateway
    // resumes. The survivor takes the dead one's p2p.out partitions when its leases expire (consumer
    // session timeout, 10 s), recovers their messages from the marker state and delivers them.
    @Test("a sending link manager SIGKILLed with messages in flight: the survivor recovers them from the marker state")
    func sendingLinkManagerKilledMidStream() async throws {
        let clusters = try await Clusters.start(aliceLinkManagers: 2, bobLinkManagers: 1)
        let (first, total) = (100, 150)
        let bobGateway = clusters.gateways[1]
        do {
            let aliceBus = clusters.buses[0]
            let victim = clusters.aliceLinkManagers[0]
            let victimID = "alice-lm-1"
            // Wait (bounded) until the two instances share p2p.out evenly.
            let partitions = try await aliceBus.partitionCount(of: "p2p.out")
            var owned: [Int] = []
            let deadline = ContinuousClock.now + Self.waitLimit
            while ContinuousClock.now < deadline {
                let leases = try await Self.tableEntries(aliceBus, "grp_link-manager_p2p_out")
                let owners = (0..<partitions).map { leases["p.\($0)"].map { String(decoding: $0, as: UTF8.self) } ?? "" }
                owned = (0..<partitions).filter { owners[$0] == victimID }
                if owned.count == partitions / 2, owners.allSatisfy({ !$0.isEmpty }) { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            try #require(owned.count == partitions / 2, "p2p.out did not settle over two link managers: \(clusters.outputs)")

            #expect(kill(bobGateway.pid, SIGSTOP) == 0)
            try await clusters.send(0..<first)
            // Every message is tracked: its sent marker is in the state (bounded wait).
            var state: [String: [UInt8]] = [:]
            let tracked = ContinuousClock.now + Self.waitLimit
            while ContinuousClock.now < tracked {
                state = try await Self.tableEntries(aliceBus, "p2p.out.markers.state")
                if state.count >= first { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            let owedByVictim = state.keys.filter { key in owned.contains { key.hasPrefix("p\($0).") } }.count
            try #require(state.count == first, "\(state.count) of \(first) messages in the marker state")
            try #require(owedByVictim > 0, "the victim owed nothing")
            victim.kill()
            #expect(kill(bobGateway.pid, SIGCONT) == 0)
            try await clusters.send(first..<total)

            var received = try await Self.collect(.seconds(45), poll: { try await clusters.bobApp.receive(timeout: .milliseconds(100)) }) {
                Set($0.map(\.messageID.value)).count >= total
            }
            received += try await clusters.bobApp.receive(timeout: .milliseconds(500))
            let ids = received.map(\.messageID.value)
            let lost = total - Set(ids).count
            let duplicates = ids.count - Set(ids).count
            print("sending link manager killed owing \(owedByVictim) of \(first) messages: \(total) sent, \(lost) lost, \(duplicates) duplicates")
            #expect(lost == 0, "\(clusters.outputs)")
            #expect(duplicates == 0)
            #expect(Set(ids) == Set((0..<total).map { "m-\($0)" }))
            // A delivered status for every message, those of the dead instance from the survivor.
            let statuses = try await Self.collect(poll: { try await clusters.aliceApp.statuses(timeout: .milliseconds(100)) }) {
                Set($0.map(\.messageID.value)).count >= total
            }
            let withoutStatus = Set((0..<total).map { "m-\($0)" }).subtracting(statuses.map(\.messageID.value))
            #expect(withoutStatus.isEmpty, "\(withoutStatus.count) messages without a status")
            #expect(statuses.allSatisfy { $0.status == .delivered })
            // Nothing is owed any more: the marker state holds no entry.
            let empty = ContinuousClock.now + .seconds(5)
            while ContinuousClock.now < empty, !state.isEmpty {
                state = try await Self.tableEntries(aliceBus, "p2p.out.markers.state")
                try await Task.sleep(for: .milliseconds(100))
            }
            let left = state.count
            #expect(left == 0, "entries left in the marker state")
        } catch {
            _ = kill(bobGateway.pid, SIGCONT)
            await clusters.close()
            throw error
        }
        for worker in clusters.workers where worker.isRunning {
            let status = try await worker.terminate()
            #expect(status == 0, "\(worker.name): \(worker.text)")
        }
        await clusters.close()
    }

    /// A table's live entries as they stand (read through a watch up to its catch-up).
    static func tableEntries(_ bus: JetStreamBus, _ name: String) async throws -> [String: [UInt8]] {
        let watch = try await bus.table(name).watch()
        defer { watch.cancel() }
        var entries: [String: [UInt8]] = [:]
        for await event in watch {
            switch event {
            case .put(let entry): entries[entry.key] = entry.value
            case .deleted(let key, _): entries[key] = nil
            case .caughtUp: return entries
            }
        }
        return entries
    }

    /// The `session.out.partitions` table as it stands (read through a watch up to its catch-up).
    static func sessionPartitions(_ bus: JetStreamBus) async throws -> [String: [Int]] {
        try await tableEntries(bus, SessionPartitions.tableName).mapValues { try SessionPartitions.decode($0) }
    }

    /// The partitions a link manager's last `consumes link.in partitions [...]` line names.
    static func lastPartitions(_ text: String) -> [Int]? {
        guard let line = text.split(separator: "\n").last(where: { $0.contains("consumes link.in partitions [") }),
            let open = line.lastIndex(of: "["), let close = line.lastIndex(of: "]")
        else { return nil }
        return line[line.index(after: open)..<close].split(separator: ",").compactMap { Int($0) }
    }

    /// The `N delivered to applications` figure of a link manager's stop line (0 when absent).
    static func deliveredCount(_ text: String) -> Int {
        guard let range = text.range(of: " delivered to applications") else { return 0 }
        let digits = text[..<range.lowerBound].reversed().prefix { $0.isNumber }
        return Int(String(digits.reversed())) ?? 0
    }
}
