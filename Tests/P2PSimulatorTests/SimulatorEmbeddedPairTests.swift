import P2PBus
import P2PCluster
import P2PLinkManagerService
import P2PMembership
import P2PSimulator
import P2PTestSupport
import Testing

/// The simulator on the embedded mode's in-process buses: SENDER on Alice's cluster, RECEIVER and
/// DB_SINK on Bob's, so the messages cross both link managers and both gateways (HTTPS over TLS)
/// before they become rows in a real PostgreSQL.
@Suite("App simulator across an embedded cluster pair", .serialized)
struct SimulatorEmbeddedPairTests {
    @Test func messagesCrossTheGatewaysAndBecomeOneRowEach() async throws {
        let postgres = try await PostgresServer.start()
        defer { postgres.stop() }
        var linkManager = LinkManagerConfiguration()
        linkManager.replayPeriodMillis = 500
        let network = try DemoNetwork.generate(
            clusters: [
                .init(organisations: ["Alice Corp"], port: try FreePort.find()), .init(organisations: ["Bob Corp"], port: try FreePort.find()),
            ], linkManager: linkManager)
        let aliceCluster = try await EmbeddedCluster.start(networkFile: network.networkFiles[0], clusterKey: network.clusterKeys[0])
        let bobCluster: EmbeddedCluster
        do {
            bobCluster = try await EmbeddedCluster.start(networkFile: network.networkFiles[1], clusterKey: network.clusterKeys[1])
        } catch {
            await aliceCluster.stop()
            throw error
        }

        let options = SenderOptions(
            source: network.identities[0][0], destination: network.identities[1][0], count: 30, rate: 500, batchSize: 10,
            payloadSize: 2000, ttl: .seconds(60), clients: 2, instanceID: "pair")
        let sent = try await SimulatorSender.run(bus: aliceCluster.bus, options: options)
        #expect(sent.map(\.sent) == [30, 30])
        #expect(sent.map(\.senderID) == ["pair-1", "pair-2"])

        let received = try await SimulatorReceiver.run(
            bus: bobCluster.bus, options: .init(memberID: "r1"), limit: RunLimit(records: 60, duration: .seconds(30)))
        #expect(received == SimulatorReceiver.Report(records: 60, events: 60, malformed: 0))

        let database = try await SimulatorDatabase.connect(
            DatabaseOptions(port: postgres.port, user: postgres.user, password: postgres.password, name: postgres.database))
        let sunk = try await SimulatorSink.run(
            bus: bobCluster.bus, database: database, options: .init(memberID: "s1"), limit: RunLimit(records: 60, duration: .seconds(30)))
        #expect(sunk == SimulatorSink.Report(records: 60, written: 60, duplicates: 0, malformed: 0))
        let summary = try await database.summary(senderPrefix: "pair-")
        #expect(summary.count == 60)
        #expect((summary.minimum ?? -1) > 0)
        await database.close()

        // They went over a session and both gateways, not around them.
        let aliceCounters = await aliceCluster.linkManager.counters
        let bobCounters = await bobCluster.linkManager.counters
        #expect(aliceCounters.handshakesCompleted >= 1 && aliceCounters.dataFramesSent >= 60)
        #expect(bobCounters.deliveredToApplications == 60)
        #expect(aliceCluster.gateway.currentCounters.framesSubmitted >= 60)
        await aliceCluster.stop()
        await bobCluster.stop()
    }
}
