import Foundation
import P2PBusJetStream
import P2PMembership
import P2PTestSupport
import Testing

/// A running `p2p-link-manager` follows its configuration record on the bus (`docs/configuration.md`, "Live
/// changes"): a new valid one is applied without a restart, an invalid one is reported and the last good one
/// stays in force.
@Suite("Worker configuration changes", .serialized)
struct WorkerConfigurationTests {
    @Test("p2p-link-manager applies a published configuration live and reports a rejected one")
    func linkManagerFollowsItsConfiguration() async throws {
        let network = try DistributedClusterTests.network()
        let cluster = try await DistributedClusterTests.ClusterBus.start(network, 0)
        defer { cluster.server.stop() }
        let worker = try await DistributedClusterTests.worker(
            "p2p-link-manager", cluster.workerArguments, ready: "running on")
        defer { worker.kill() }

        let file = cluster.server.directory.appendingPathComponent("lm.json")
        try Data(#"{ "sessionsPerPeer": 3, "heartbeatPeriodMillis": 1500 }"#.utf8).write(to: file)
        let published = try await P2PBinary.run(["setup", "config-link-manager", "--url", cluster.server.url, file.path])
        #expect(published.status == 0, "\(published.stderr)")
        try await worker.waitFor("link-manager configuration applied")

        // Written behind the setup tool's back: a value out of bounds.
        let bus = try await JetStreamBus.connect(urls: [cluster.server.url])
        var invalid = LinkManagerConfiguration()
        invalid.sessionsPerPeer = 99
        let table = try await bus.table(MembershipTables.configuration)
        try await table.put(LinkManagerConfiguration.configurationKey, ConfigurationRecord(invalid).encoded())
        try await worker.waitFor("link-manager configuration rejected")
        #expect(worker.text.contains("sessionsPerPeer"), "\(worker.text)")
        await bus.close()

        #expect(try await worker.terminate() == 0, "\(worker.text)")
        #expect(worker.text.components(separatedBy: "configuration applied").count == 2)  // applied once
    }
}
