import Foundation
import P2PBus
import P2PCluster
import P2PIdentity
import P2PLinkManager
import P2PLinkManagerService
import P2PMembership
import Testing

/// Two embedded clusters on loopback ports (Alice's and Bob's), a test CA for their TLS certificates,
/// Ed25519 session keys: the real path app → p2p.out → link manager → link.out → gateway → HTTPS →
/// gateway → link.in → link manager → p2p.in.
@Suite("Embedded clusters end to end", .serialized)
struct EmbeddedClusterTests {
    static let waitLimit = Duration.seconds(20)

    static func fastLinkManager() -> LinkManagerConfiguration {
        var configuration = LinkManagerConfiguration()
        configuration.replayPeriodMillis = 500
        configuration.sessionsPerPeer = 2
        return configuration
    }

    static func message(
        _ n: Int, from source: HoldingIdentity, to destination: HoldingIdentity, ttl: UInt64?
    ) throws -> AppMessage {
        .authenticated(
            AuthenticatedMessage(
                header: AuthenticatedMessageHeader(
                    destination: destination, source: source, ttl: ttl, messageID: try MessageID("m-\(n)"), subsystem: "test"),
                payload: Array(repeating: UInt8(truncatingIfNeeded: n), count: 256)))
    }

    /// Polls until `done` says so or the limit passes; a bounded wait.
    static func collect<T>(
        _ limit: Duration = waitLimit, poll: () async throws -> [T], until done: ([T]) -> Bool
    ) async throws -> [T] {
        let deadline = ContinuousClock.now + limit
        var all: [T] = []
        while !done(all), ContinuousClock.now < deadline {
            all += try await poll()
        }
        return all
    }

    /// Alice's and Bob's network: one identity per cluster, free loopback ports.
    static func aliceAndBob(tlsType: GatewayConfiguration.TLSType = .oneWay) throws -> DemoNetwork {
        let plans = [
            DemoNetwork.ClusterPlan(organisations: ["Alice Corp"], port: try FreePort.find()),
            DemoNetwork.ClusterPlan(organisations: ["Bob Corp"], port: try FreePort.find()),
        ]
        return try DemoNetwork.generate(clusters: plans, linkManager: fastLinkManager(), tlsType: tlsType)
    }

    /// Starts cluster `index` of `network` with an application attached to its bus.
    static func start(_ network: DemoNetwork, _ index: Int, app name: String) async throws -> (EmbeddedCluster, ClusterApplication) {
        let cluster = try await EmbeddedCluster.start(networkFile: network.networkFiles[index], clusterKey: network.clusterKeys[index])
        return (cluster, try await ClusterApplication(bus: cluster.bus, name: name))
    }

    /// Runs curl (silent, 10 s limit) and returns its exit status and the HTTP code it printed.
    static func curl(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        process.arguments = ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "10"] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }

    @Test func aliceSendsToBobExactlyOnceWithDeliveredStatuses() async throws {
        let network = try Self.aliceAndBob()
        let (aliceCluster, aliceApp) = try await Self.start(network, 0, app: "alice")
        let (bobCluster, bobApp) = try await Self.start(network, 1, app: "bob")
        let (alice, bob) = (network.identities[0][0], network.identities[1][0])

        let count = 200
        let ttl = LinkManagerService.wallClock() + 60_000
        var receipts: [PublishReceipt] = []
        for n in 0..<count {
            receipts.append(try await aliceApp.send(try Self.message(n, from: alice, to: bob, ttl: ttl), key: Array("k-\(n)".utf8)))
        }
        for receipt in receipts { _ = try await receipt.accepted() }

        let received = try await Self.collect(poll: { try await bobApp.receive(timeout: .milliseconds(100)) }) {
            $0.count >= count
        }
        let statuses = try await Self.collect(poll: { try await aliceApp.statuses(timeout: .milliseconds(100)) }) {
            $0.count >= count
        }
        // Late duplicates would show up here.
        let extra = try await bobApp.receive(timeout: .milliseconds(300))

        let ids = received.map(\.messageID.value)
        #expect(ids.count == count)
        #expect(Set(ids).count == count)
        #expect(Set(ids) == Set((0..<count).map { "m-\($0)" }))
        #expect(extra.isEmpty)
        #expect(received.allSatisfy { $0.source == alice && $0.destination == bob })
        #expect(statuses.count == count)
        #expect(statuses.allSatisfy { $0.status == .delivered })
        #expect(Set(statuses.map(\.messageID.value)).count == count)
        // The messages went over sessions and the gateways, not around them.
        let aliceCounters = await aliceCluster.linkManager.counters
        let bobCounters = await bobCluster.linkManager.counters
        #expect(aliceCounters.dataFramesSent >= count && aliceCounters.handshakesCompleted >= 1)
        #expect(bobCounters.deliveredToApplications == count && bobCounters.handshakesCompleted >= 1)
        #expect(aliceCluster.gateway.currentCounters.framesSubmitted >= count)
        #expect(bobCluster.gateway.currentCounters.framesSubmitted >= 1)

        // A fire-and-forget message takes the same gateways without a session or a status.
        let note = AppMessage.unauthenticated(
            UnauthenticatedMessage(
                header: UnauthenticatedMessageHeader(destination: bob, source: alice, messageID: try MessageID("note-1"), subsystem: "notes"),
                payload: Array("hello Bob".utf8)))
        _ = try await aliceApp.send(note, key: Array("note".utf8)).accepted()
        let notes = try await Self.collect(poll: { try await bobApp.receive(timeout: .milliseconds(100)) }) { !$0.isEmpty }
        #expect(notes == [note])

        await aliceApp.close()
        await bobApp.close()
        await aliceCluster.stop()
        await bobCluster.stop()
    }

    @Test func mutualTLSCarriesMessagesBothWays() async throws {
        let network = try Self.aliceAndBob(tlsType: .mutual)
        let (aliceCluster, aliceApp) = try await Self.start(network, 0, app: "alice")
        let (bobCluster, bobApp) = try await Self.start(network, 1, app: "bob")
        let (alice, bob) = (network.identities[0][0], network.identities[1][0])
        let ttl = LinkManagerService.wallClock() + 60_000
        for n in 0..<20 {
            _ = try await aliceApp.send(try Self.message(n, from: alice, to: bob, ttl: ttl), key: [UInt8(n)]).accepted()
            _ = try await bobApp.send(try Self.message(100 + n, from: bob, to: alice, ttl: ttl), key: [UInt8(n)]).accepted()
        }
        let atBob = try await Self.collect(poll: { try await bobApp.receive(timeout: .milliseconds(100)) }) { $0.count >= 20 }
        let atAlice = try await Self.collect(poll: { try await aliceApp.receive(timeout: .milliseconds(100)) }) { $0.count >= 20 }
        #expect(Set(atBob.map(\.messageID.value)) == Set((0..<20).map { "m-\($0)" }))
        #expect(Set(atAlice.map(\.messageID.value)) == Set((100..<120).map { "m-\($0)" }))
        // A client without a certificate (curl, trusting the CA) is refused by the TLS handshake.
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("p2p-cluster-ca-\(UUID().uuidString).pem")
        try Data(network.rootCertificatePEM.utf8).write(to: root)
        defer { try? FileManager.default.removeItem(at: root) }
        let curl = try Self.curl(["--cacert", root.path, "-X", "POST", "--data-binary", "x", "https://127.0.0.1:\(bobCluster.port)/gateway/send"])
        #expect(curl.status != 0)
        #expect(curl.output != "200")
        await aliceApp.close()
        await bobApp.close()
        await aliceCluster.stop()
        await bobCluster.stop()
    }

    @Test func messagesSentWhileTheReceiverIsDownArriveOnceItStarts() async throws {
        let network = try Self.aliceAndBob()
        let (aliceCluster, aliceApp) = try await Self.start(network, 0, app: "alice")
        let (alice, bob) = (network.identities[0][0], network.identities[1][0])
        let count = 50
        let ttl = LinkManagerService.wallClock() + 60_000
        for n in 0..<count {
            _ = try await aliceApp.send(try Self.message(n, from: alice, to: bob, ttl: ttl), key: [UInt8(n)]).accepted()
        }
        // Bob's gateway is not listening: handshakes fail and are resent, messages wait and replay.
        try await Task.sleep(for: .seconds(1))
        #expect(try await aliceApp.statuses(timeout: .milliseconds(10)).isEmpty)
        let (bobCluster, bobApp) = try await Self.start(network, 1, app: "bob")

        let received = try await Self.collect(poll: { try await bobApp.receive(timeout: .milliseconds(100)) }) { $0.count >= count }
        let statuses = try await Self.collect(poll: { try await aliceApp.statuses(timeout: .milliseconds(100)) }) { $0.count >= count }
        let extra = try await bobApp.receive(timeout: .milliseconds(300))
        #expect(received.count == count && Set(received.map(\.messageID)).count == count)
        #expect(extra.isEmpty)
        #expect(statuses.count == count && statuses.allSatisfy { $0.status == .delivered })
        #expect(await aliceCluster.linkManager.counters.replays > 0)

        await aliceApp.close()
        await bobApp.close()
        await aliceCluster.stop()
        await bobCluster.stop()
    }

    @Test func unknownDestinationAndPastTTLGiveExpiredStatuses() async throws {
        let plans = [DemoNetwork.ClusterPlan(organisations: ["Alice Corp"], port: try FreePort.find())]
        let network = try DemoNetwork.generate(clusters: plans, linkManager: Self.fastLinkManager())
        let cluster = try await EmbeddedCluster.start(networkFile: network.networkFiles[0], clusterKey: network.clusterKeys[0])
        let alice = network.identities[0][0]
        let nobody = HoldingIdentity(name: try X500Name(DemoNetwork.x500Name("Nobody Ltd")), groupID: network.groupID)
        let app = try await ClusterApplication(bus: cluster.bus, name: "alice")
        let now = LinkManagerService.wallClock()
        _ = try await app.send(try Self.message(1, from: alice, to: nobody, ttl: now + 1_000), key: [1]).accepted()
        _ = try await app.send(try Self.message(2, from: alice, to: nobody, ttl: now - 1), key: [2]).accepted()

        let statuses = try await Self.collect(poll: { try await app.statuses(timeout: .milliseconds(100)) }) { $0.count >= 2 }
        #expect(statuses.count == 2)
        #expect(statuses.allSatisfy { $0.status == .expired && $0.destination == nobody })
        #expect(Set(statuses.map(\.messageID.value)) == ["m-1", "m-2"])
        #expect(try await app.receive(timeout: .milliseconds(100)).isEmpty)

        await app.close()
        await cluster.stop()
    }

    @Test func aNetworkFileWithoutGatewayConfigurationIsRefused() async throws {
        let plans = [DemoNetwork.ClusterPlan(organisations: ["Alice Corp"], port: try FreePort.find())]
        let network = try DemoNetwork.generate(clusters: plans)
        var json = try #require(try JSONSerialization.jsonObject(with: Data(network.networkFiles[0])) as? [String: Any])
        json["gatewayConfig"] = nil
        let file = Array(try JSONSerialization.data(withJSONObject: json))
        await #expect(throws: ClusterError(.incompleteSetup)) {
            _ = try await EmbeddedCluster.start(networkFile: file, clusterKey: network.clusterKeys[0])
        }
        // The wrong cluster key opens no session key: no hosted identity can run.
        let bus = try await EmbeddedCluster.prepareBus(networkFile: network.networkFiles[0], clusterKey: network.clusterKeys[0])
        await #expect(throws: ClusterError(.incompleteSetup)) {
            _ = try await EmbeddedCluster.start(bus: bus, clusterKey: ClusterKey.generate())
        }
        await bus.close()
    }

    @Test func twoIdentitiesInOneClusterAreRoutedLocally() async throws {
        let plans = [DemoNetwork.ClusterPlan(organisations: ["Alice Corp", "Carol Corp"], port: try FreePort.find())]
        let network = try DemoNetwork.generate(clusters: plans, linkManager: Self.fastLinkManager())
        let cluster = try await EmbeddedCluster.start(networkFile: network.networkFiles[0], clusterKey: network.clusterKeys[0])
        let (alice, carol) = (network.identities[0][0], network.identities[0][1])
        let app = try await ClusterApplication(bus: cluster.bus, name: "app")
        for n in 0..<10 {
            _ = try await app.send(try Self.message(n, from: alice, to: carol, ttl: nil), key: [UInt8(n)]).accepted()
        }
        let received = try await Self.collect(poll: { try await app.receive(timeout: .milliseconds(100)) }) { $0.count >= 10 }
        let statuses = try await Self.collect(poll: { try await app.statuses(timeout: .milliseconds(100)) }) { $0.count >= 10 }
        #expect(received.count == 10 && Set(received.map(\.messageID)).count == 10)
        #expect(received.allSatisfy { $0.destination == carol })
        #expect(statuses.count == 10 && statuses.allSatisfy { $0.status == .deliveredLocally })
        let counters = await cluster.linkManager.counters
        #expect(counters.dataFramesSent == 0 && counters.handshakesCompleted == 0)
        await app.close()
        await cluster.stop()
    }
}
