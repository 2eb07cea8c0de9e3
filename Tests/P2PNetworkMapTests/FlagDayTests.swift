import Foundation
import P2PBus
import P2PMembership
import P2PNetworkMap
import P2PSetup
import Testing

@Suite("Parameter updates: announced, acknowledged, in force from the flag day")
struct FlagDayTests {
    @Test("the map announces new parameters and serves both; acks for either are kept; at the deadline the new ones are current and sync applies them")
    func flagDay() async throws {
        let network = try TestNetwork()
        defer { network.remove() }
        let clock = TestClock()
        let home = try network.serverHome()
        let deadline = Int64((clock.now.timeIntervalSince1970 + 3600) * 1000)
        let update = """
            {"description": "messages up to 2 MB, both modes", "updateDeadlineMillis": \(deadline),
             "parameters": {"groupId": "\(TestNetwork.groupId)", "epoch": 2, "modifiedTimeMillis": 1795366800000,
              "protocolModes": ["AUTHENTICATED_ENCRYPTION", "AUTHENTICATION_ONLY"], "maxMessageSize": 2000000,
              "minimumPlatformVersion": 1, "eventHorizonSeconds": 86400}}
            """
        try update.write(to: home.appendingPathComponent(NetworkMapService.parametersUpdateFile), atomically: true, encoding: .utf8)
        let service = try NetworkMapService(home: home, now: clock.function)
        let server = try await NetworkMapServer.start(service: service, port: 0)
        defer { Task { await server.stop() } }
        let client = try NetworkMapClient(baseURL: server.url)
        try await client.publish(try network.signed(try TestNetwork.member(TestNetwork.bob, serial: 1), by: "bob"))
        let bus = try await TestNetwork.bus()
        let sync = NetworkMapSync(client: client, trust: try network.trust, bus: bus, now: clock.function)

        // Before the deadline: the old parameters apply, the new ones are announced and served.
        let before = try network.trust.verifiedMap(try await client.networkMap().0, at: Date())
        let announced = try #require(before.parametersUpdate)
        #expect(announced.description == "messages up to 2 MB, both modes" && announced.updateDeadlineMillis == deadline)
        #expect(try network.trust.verifiedParameters(try await client.parameters(announced.newParametersHash), at: Date()).epoch == 2)
        _ = try await sync.runOnce()
        #expect(try await policy(bus).parameters.maxMessageSize == 500_000)
        #expect(await sync.announced?.parameters.maxMessageSize == 2_000_000)

        // Bob acknowledges the announced parameters.
        try await client.acknowledge(
            try SignedEnvelope.sign(
                payload: ParametersAck(parametersHash: announced.newParametersHash).encoded(), key: try network.key("bob"),
                chain: try network.chain("bob")))
        #expect(await service.acknowledgements().values.map(\.hex) == [announced.newParametersHash.hex])

        // At the deadline the map names the new parameters as current, without an announcement, and sync applies them.
        clock.advance(seconds: 3600)
        let after = try network.trust.verifiedMap(try await client.networkMap().0, at: Date())
        #expect(after.networkParametersHash == announced.newParametersHash && after.parametersUpdate == nil)
        let report = try await sync.runOnce()
        #expect(report.description.contains("updated group test-network"), "\(report)")
        let policy = try await policy(bus)
        #expect(policy.parameters.maxMessageSize == 2_000_000 && policy.protocolModes == [.authenticatedEncryption, .authenticationOnly])
        #expect(await sync.announced == nil)
    }

    @Test("an update that lowers the epoch or changes the group is refused at start")
    func invalidUpdate() throws {
        let network = try TestNetwork()
        defer { network.remove() }
        let home = try network.serverHome()
        let update = """
            {"description": "", "updateDeadlineMillis": 0, "parameters": {"groupId": "\(TestNetwork.groupId)", "epoch": 1,
             "modifiedTimeMillis": 0, "protocolModes": ["AUTHENTICATED_ENCRYPTION"], "maxMessageSize": 500000,
             "minimumPlatformVersion": 1, "eventHorizonSeconds": 3600}}
            """
        try update.write(to: home.appendingPathComponent(NetworkMapService.parametersUpdateFile), atomically: true, encoding: .utf8)
        #expect(throws: NetworkMapError(.invalidParameters)) { try NetworkMapService(home: home) }
    }

    func policy(_ bus: InProcessBus) async throws -> GroupPolicy {
        try GroupPolicy.decode(try #require(try await bus.table(MembershipTables.groupPolicies).snapshot().values.first))
    }
}
