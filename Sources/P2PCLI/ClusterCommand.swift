import ArgumentParser
import Foundation
import P2PCluster
import P2PIdentity
import P2PLinkManagerService
import P2PMembership
import P2PMetrics

/// `p2p cluster …`: run an embedded cluster (in-process bus, link manager and gateway in one process).
struct ClusterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cluster",
        abstract: "Run an embedded cluster: link manager and gateway over the in-process bus.",
        subcommands: [ClusterRunCommand.self])
}

/// `p2p cluster run --network <file> --cluster-key <file>`.
struct ClusterRunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Apply a network file to a fresh in-process bus and run the link manager and gateway.",
        discussion: """
            The network file is the `p2p setup apply` format (docs/examples/network.json); it must configure the \
            gateway (gatewayConfig) and host at least one identity whose keys the cluster key opens. Runs until \
            --seconds pass or the process gets SIGINT/SIGTERM. Messages in flight are lost when the process stops \
            (docs/embedded.md).
            """)

    @Option(name: .long, help: "The network file (JSON).")
    var network: String

    @Option(name: .long, help: "The file holding the 32-byte cluster key (p2p setup generate-cluster-key).")
    var clusterKey: String

    @Option(name: .long, help: "Stop after this many seconds (default: run until interrupted).")
    var seconds: Int?

    @Option(name: .long, help: "Serve Prometheus metrics at http://<metrics-host>:<port>/metrics (0: a free port; default: off).")
    var metricsPort: Int?

    @Option(name: .long, help: "The address the metrics endpoint binds.")
    var metricsHost: String = MetricsServer.defaultHost

    func validate() throws {
        if let metricsPort, !(0...65535).contains(metricsPort) { throw ValidationError("--metrics-port must be 0…65535") }
    }

    func run() async throws {
        let file = try readSetupBytes(network)
        let key = try ClusterKey(contentsOf: clusterKey)
        let cluster = try await EmbeddedCluster.start(networkFile: file, clusterKey: key)
        let hosted = cluster.directory.hostedIdentityList.map(\.description).joined(separator: ", ")
        print("cluster running: gateway on port \(cluster.port), hosting \(hosted)")
        var metrics: MetricsServer?
        if let metricsPort {
            let collector = MetricsCollector()
            do {
                try collector.addEmbeddedCluster(cluster)
                metrics = try await MetricsServer.start(collector: collector, host: metricsHost, port: metricsPort)
            } catch {
                await cluster.stop()
                throw error
            }
        }
        if let metrics { print("metrics on \(metrics.url)") }
        fflush(nil)
        await StopSignal.wait(seconds: seconds)
        await metrics?.stop()
        let counters = await cluster.linkManager.counters
        await cluster.stop()
        print("stopped: \(counters.deliveredToApplications) delivered to applications, \(counters.dataFramesSent) data frames sent")
    }
}

/// Waits for SIGINT or SIGTERM, or for `seconds`.
enum StopSignal {
    static func wait(seconds: Int?) async {
        signal(SIGINT, SIG_IGN)
        signal(SIGTERM, SIG_IGN)
        let stream = AsyncStream<Void> { continuation in
            let sources = SignalSources([SIGINT, SIGTERM].map { DispatchSource.makeSignalSource(signal: $0) })
            for source in sources.sources {
                source.setEventHandler { continuation.finish() }
                source.resume()
            }
            continuation.onTermination = { _ in sources.sources.forEach { $0.cancel() } }
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { for await _ in stream {} }
            if let seconds {
                group.addTask { try? await Task.sleep(for: .seconds(seconds)) }
            }
            await group.next()
            group.cancelAll()
        }
    }
}

/// The signal sources, kept alive by the stream's termination handler; only cancelled from it.
private final class SignalSources: @unchecked Sendable {
    let sources: [any DispatchSourceSignal]
    init(_ sources: [any DispatchSourceSignal]) { self.sources = sources }
}
