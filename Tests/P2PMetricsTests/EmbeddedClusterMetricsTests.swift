import Foundation
import P2PBus
import P2PCluster
import P2PIdentity
import P2PLinkManager
import P2PLinkManagerService
import P2PMembership
import P2PMetrics
import P2PTestSupport
import Testing

/// Two embedded clusters (Alice's and Bob's) on loopback, Bob's with the metrics endpoint: what Bob's
/// link manager delivers shows in a curl scrape.
@Suite("Metrics of an embedded cluster", .serialized)
struct EmbeddedClusterMetricsTests {
    static let waitLimit = Duration.seconds(20)

    @Test func deliveredMessagesShowInTheScrape() async throws {
        var linkManager = LinkManagerConfiguration()
        linkManager.replayPeriodMillis = 500
        let network = try DemoNetwork.generate(
            clusters: [
                DemoNetwork.ClusterPlan(organisations: ["Alice Corp"], port: try FreePort.find()),
                DemoNetwork.ClusterPlan(organisations: ["Bob Corp"], port: try FreePort.find()),
            ],
            linkManager: linkManager)
        let aliceCluster = try await EmbeddedCluster.start(networkFile: network.networkFiles[0], clusterKey: network.clusterKeys[0])
        let bobCluster = try await EmbeddedCluster.start(networkFile: network.networkFiles[1], clusterKey: network.clusterKeys[1])
        let aliceApp = try await ClusterApplication(bus: aliceCluster.bus, name: "alice")
        let bobApp = try await ClusterApplication(bus: bobCluster.bus, name: "bob")
        let collector = MetricsCollector()
        try collector.addLinkManager(bobCluster.linkManager, member: "link-manager-1")
        try collector.addGateway(bobCluster.gateway, member: "gateway-1")
        let server = try await MetricsServer.start(collector: collector, port: 0)

        let before = try await Curl.run(server.url)
        #expect(before.statusCode == 200)
        #expect(before.value(of: "p2p_link_manager_delivered_to_applications_total", member: "link-manager-1") == 0)

        let (alice, bob) = (network.identities[0][0], network.identities[1][0])
        let count = 5
        let ttl = LinkManagerService.wallClock() + 60_000
        for n in 0..<count {
            let message = AppMessage.authenticated(
                AuthenticatedMessage(
                    header: AuthenticatedMessageHeader(
                        destination: bob, source: alice, ttl: ttl, messageID: try MessageID("metrics-\(n)"), subsystem: "test"),
                    payload: Array("message \(n)".utf8)))
            _ = try await aliceApp.send(message, key: Array("k-\(n)".utf8)).accepted()
        }
        var received = 0
        let deadline = ContinuousClock.now + Self.waitLimit
        while received < count, ContinuousClock.now < deadline {
            received += try await bobApp.receive(timeout: .milliseconds(100)).count
        }
        #expect(received == count)

        let after = try await Curl.run(server.url)
        #expect(after.statusCode == 200)
        #expect(after.contentType == "text/plain; version=0.0.4; charset=utf-8")
        let delivered = after.value(of: "p2p_link_manager_delivered_to_applications_total", member: "link-manager-1")
        #expect((delivered ?? 0) >= Double(count))
        #expect((after.value(of: "p2p_link_manager_handshakes_completed_total", member: "link-manager-1") ?? 0) >= 1)
        #expect(after.value(of: "p2p_gateway_frames_submitted_total", member: "gateway-1") != nil)

        await server.stop()
        await aliceApp.close()
        await bobApp.close()
        await aliceCluster.stop()
        await bobCluster.stop()
    }
}
