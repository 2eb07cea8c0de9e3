#if canImport(Glibc)
import Glibc
#endif
import Foundation
import P2PBus
import P2PBusJetStream
import P2PCluster
import P2PIdentity
import P2PLinkManager
import P2PLinkManagerService
import P2PMembership
import P2PTestSupport

/// The two clusters the scaling and failure-injection suites drive: Alice's sends, Bob's receives.
/// Each is its own nats-server (JetStream stored on disk, so it survives a restart) with any number
/// of `p2p-link-manager` and `p2p-gateway` processes. Every process is started here and stopped by PID.
///
/// Several gateways per cluster listen on different ports of 127.0.0.1: each member's endpoints list
/// every gateway of its cluster (senders use the first and rotate on failure), and the `gateway`
/// consumer group shares `link.out` between them. The workers take their port from the one gateway
/// configuration record, so gateway *k* is started on its own port like this: the fixture holds
/// that port, publishes a record naming it, waits until every running gateway reports that it could
/// not rebind (a failed reconfiguration leaves the last good one in force), releases the port and
/// starts the new gateway, which reads the record and binds it.
final class BenchClusters: @unchecked Sendable {
    /// How many workers of each kind a cluster runs.
    struct Shape: Sendable, CustomStringConvertible {
        var linkManagers: Int
        var gateways: Int
        var description: String { "\(linkManagers) LM × \(gateways) GW" }
    }

    static let maximumInstances = 4
    static let waitLimit = Duration.seconds(30)

    /// One cluster: its server, the files its workers read, its workers and the application's connection.
    final class Side: @unchecked Sendable {
        let name: String
        let server: NATSServer
        let keyPath: String
        /// The gateways' ports, in the order of the members' endpoints.
        let gatewayPorts: [Int]
        var linkManagers: [WorkerProcess] = []
        var gateways: [WorkerProcess] = []
        var bus: JetStreamBus?
        var application: ClusterApplication?

        init(name: String, server: NATSServer, keyPath: String, gatewayPorts: [Int]) {
            self.name = name
            self.server = server
            self.keyPath = keyPath
            self.gatewayPorts = gatewayPorts
        }

        var arguments: [String] { ["--url", server.url, "--cluster-key", keyPath, "--connect-attempts", "5"] }
        var workers: [WorkerProcess] { linkManagers + gateways }
    }

    let shape: Shape
    let alice: Side
    let bob: Side
    let from: HoldingIdentity
    let to: HoldingIdentity
    var sides: [Side] { [alice, bob] }
    var workers: [WorkerProcess] { alice.workers + bob.workers }

    private init(shape: Shape, alice: Side, bob: Side, from: HoldingIdentity, to: HoldingIdentity) {
        self.shape = shape
        self.alice = alice
        self.bob = bob
        self.from = from
        self.to = to
    }

    /// The link-manager settings of the suites: short heartbeats and session timeout so a dead peer
    /// instance is replaced within seconds, frequent replays so a lost frame costs half a second.
    static func linkManagerConfiguration() -> LinkManagerConfiguration {
        var configuration = LinkManagerConfiguration()
        configuration.sessionsPerPeer = 2
        configuration.replayPeriodMillis = 500
        configuration.heartbeatPeriodMillis = 1_000
        configuration.sessionTimeoutMillis = 4_000
        return configuration
    }

    /// Starts both clusters with `shape` each, waits until every worker is ready and the link
    /// managers share `link.in`, and connects both applications. On failure everything started stops.
    static func start(_ shape: Shape) async throws -> BenchClusters {
        guard (1...maximumInstances).contains(shape.linkManagers), (1...maximumInstances).contains(shape.gateways) else {
            throw FixtureError("\(shape): 1…\(maximumInstances) instances of each kind")
        }
        let ports = try (0..<2).map { _ in try (0..<shape.gateways).map { _ in try PortHold() } }
        let network = try DemoNetwork.generate(
            clusters: [
                DemoNetwork.ClusterPlan(organisations: ["Alice Corp"], port: ports[0][0].port),
                DemoNetwork.ClusterPlan(organisations: ["Bob Corp"], port: ports[1][0].port),
            ],
            linkManager: linkManagerConfiguration())
        let endpoints = ports.map { side in side.map { "https://127.0.0.1:\($0.port)" } }
        var sides: [Side] = []
        do {
            for (index, name) in ["alice", "bob"].enumerated() {
                sides.append(try await prepare(name, network: network, index: index, endpoints: endpoints, ports: ports[index].map(\.port)))
            }
        } catch {
            for side in sides { side.server.stop() }
            throw error
        }
        let clusters = BenchClusters(
            shape: shape, alice: sides[0], bob: sides[1], from: network.identities[0][0], to: network.identities[1][0])
        do {
            for (side, holds) in zip(clusters.sides, ports) {
                for instance in 1...shape.linkManagers { try await clusters.startLinkManager(side, instance: instance) }
                try await settle(side.linkManagers)
                try await clusters.startGateways(side, holds: holds)
                let bus = try await JetStreamBus.connect(urls: [side.server.url])
                side.bus = bus
                side.application = try await ClusterApplication(bus: bus, name: "\(side.name)-app")
            }
        } catch {
            await clusters.close()
            throw error
        }
        return clusters
    }

    /// A server with the standard layout and the network applied, every member's endpoints listing
    /// all gateways of its cluster.
    private static func prepare(
        _ name: String, network: DemoNetwork, index: Int, endpoints: [[String]], ports: [Int]
    ) async throws -> Side {
        let server = try await NATSServer.start()
        do {
            let keyPath = server.directory.appendingPathComponent("cluster.key").path
            let networkPath = server.directory.appendingPathComponent("network.json").path
            try network.clusterKeys[index].write(toNewFile: keyPath)
            let file = try listEveryGateway(network.networkFiles[index], endpoints: endpoints)
            try Data(file).write(to: URL(fileURLWithPath: networkPath))
            for arguments in [
                ["bus", "setup", "--url", server.url],
                ["setup", "apply", "--url", server.url, "--cluster-key", keyPath, networkPath],
            ] {
                let result = try await P2PBinary.run(arguments)
                guard result.status == 0 else { throw FixtureError("p2p \(arguments[0]) \(arguments[1]): \(result.stderr)") }
            }
            return Side(name: name, server: server, keyPath: keyPath, gatewayPorts: ports)
        } catch {
            server.stop()
            throw error
        }
    }

    /// The network file with every `endpoints` list that names a cluster's first gateway replaced by
    /// all of that cluster's gateways.
    static func listEveryGateway(_ file: [UInt8], endpoints: [[String]]) throws -> [UInt8] {
        func rewrite(_ value: Any) -> Any {
            if let object = value as? [String: Any] {
                var copy: [String: Any] = [:]
                for (key, member) in object {
                    if key == "endpoints", let list = member as? [String], let first = list.first,
                        let cluster = endpoints.first(where: { $0.first == first })
                    {
                        copy[key] = cluster
                    } else {
                        copy[key] = rewrite(member)
                    }
                }
                return copy
            }
            if let array = value as? [Any] { return array.map(rewrite) }
            return value
        }
        let parsed = try JSONSerialization.jsonObject(with: Data(file))
        return Array(try JSONSerialization.data(withJSONObject: rewrite(parsed), options: [.sortedKeys]))
    }

    // MARK: Workers

    /// Starts link manager `instance` of `side` and waits for its ready line.
    @discardableResult
    func startLinkManager(_ side: Side, instance: Int) async throws -> WorkerProcess {
        let worker = try await Self.ready(
            "p2p-link-manager", side.arguments + ["--instance-id", "\(side.name)-lm-\(instance)", "--verbose"], line: "running")
        side.linkManagers.append(worker)
        return worker
    }

    /// Starts the gateways of `side`, one per held port, in the order of the endpoints.
    private func startGateways(_ side: Side, holds: [PortHold]) async throws {
        holds[0].release()
        side.gateways.append(
            try await Self.ready("p2p-gateway", side.arguments + ["--instance-id", "\(side.name)-gw-1"], line: "listening on port"))
        guard holds.count > 1 else { return }
        let bus = try await JetStreamBus.connect(urls: [side.server.url])
        do {
            let table = try await bus.table(MembershipTables.configuration)
            for (index, hold) in holds.enumerated().dropFirst() {
                try await publishPort(hold.port, to: table, side: side)
                hold.release()
                side.gateways.append(
                    try await Self.ready(
                        "p2p-gateway", side.arguments + ["--instance-id", "\(side.name)-gw-\(index + 1)"],
                        line: "listening on port \(hold.port)"))
            }
        } catch {
            await bus.close()
            throw error
        }
        await bus.close()
    }

    /// Publishes a gateway configuration naming `port` (held by the fixture) and waits until every
    /// running gateway of `side` has refused it.
    private func publishPort(_ port: Int, to table: any BusTable, side: Side) async throws {
        guard let entry = try await table.get(GatewayConfiguration.configurationKey) else {
            throw FixtureError("\(side.name): no gateway configuration")
        }
        var configuration = try ConfigurationRecord<GatewayConfiguration>.decode(entry.value).configuration
        let refusals = side.gateways.map { Self.refusals($0) }
        configuration.hostPort = port
        try await table.put(GatewayConfiguration.configurationKey, ConfigurationRecord(configuration).encoded())
        let deadline = ContinuousClock.now + Self.waitLimit
        while zip(side.gateways, refusals).contains(where: { Self.refusals($0) <= $1 }) {
            guard ContinuousClock.now < deadline else {
                throw FixtureError("\(side.name): a running gateway did not refuse port \(port): \(outputs)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    private static func refusals(_ gateway: WorkerProcess) -> Int { gateway.text.components(separatedBy: refusedLine).count - 1 }

    /// What a gateway logs when a published configuration names a port it cannot bind.
    static let refusedLine = "gateway configuration not applied"

    private static func ready(_ executable: String, _ arguments: [String], line: String) async throws -> WorkerProcess {
        let worker = try WorkerProcess(executable, arguments)
        do {
            try await worker.waitFor(line, timeout: waitLimit)
        } catch {
            worker.kill()
            throw error
        }
        return worker
    }

    /// Waits (bounded) until the live link managers' last `--verbose` lines split `link.in` between them.
    static func settle(_ linkManagers: [WorkerProcess]) async throws {
        let partitions = 8
        let deadline = ContinuousClock.now + waitLimit
        while ContinuousClock.now < deadline {
            let shares = linkManagers.filter(\.isRunning).map { DistributedClusterTests.lastPartitions($0.text) ?? [] }
            let all = shares.flatMap { $0 }
            if all.count == partitions, Set(all).count == partitions, shares.allSatisfy({ !$0.isEmpty }) { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw FixtureError("link.in did not settle over \(linkManagers.count) link managers")
    }

    // MARK: Measuring and stopping

    /// CPU seconds (user + system) each live process used so far, keyed `label@pid` (`alice-lm-1@4242`,
    /// `bob-nats@4250`): a restarted server is a new process with its own count.
    func cpuSeconds() -> [String: Double] {
        var seconds: [String: Double] = [:]
        func add(_ label: String, _ pid: Int32?) {
            if let pid, let used = ProcessStat.cpuSeconds(pid) { seconds["\(label)@\(pid)"] = used }
        }
        for side in sides {
            for (index, worker) in side.linkManagers.enumerated() where worker.isRunning { add("\(side.name)-lm-\(index + 1)", worker.pid) }
            for (index, worker) in side.gateways.enumerated() where worker.isRunning { add("\(side.name)-gw-\(index + 1)", worker.pid) }
            add("\(side.name)-nats", side.server.pid)
        }
        return seconds
    }

    /// Every worker's output, for failure messages.
    var outputs: String { workers.map { "\($0.name): \($0.text.suffix(2_000))" }.joined(separator: "\n") }

    /// Closes the applications' connections, kills what still runs and stops both servers.
    func close() async {
        for side in sides {
            await side.application?.close()
            await side.bus?.close()
            side.application = nil
            side.bus = nil
            side.workers.forEach { $0.kill() }
            side.server.stop()
        }
    }
}

/// A port of 127.0.0.1 held by a listening socket until released, so nothing else takes it meanwhile.
final class PortHold: @unchecked Sendable {
    let port: Int
    private var descriptor: Int32

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw FixtureError("socket failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound, listen(fd, 1) == 0 else {
            close(fd)
            throw FixtureError("could not hold a port")
        }
        descriptor = fd
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    func release() {
        if descriptor >= 0 { close(descriptor) }
        descriptor = -1
    }

    deinit { release() }
}
