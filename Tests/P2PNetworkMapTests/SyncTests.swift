import Foundation
import P2PBus
import P2PBusJetStream
import P2PMembership
import P2PNetworkMap
import P2PTestSupport
import P2PSetup
import Synchronization
import Testing

@Suite("Polling as values")
struct SyncStateMachineTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)
    let p = SecureHash(of: [0])
    let a = SecureHash(of: [1])
    let b = SecureHash(of: [2])

    func map(_ hashes: [SecureHash], parameters: SecureHash? = nil) throws -> NetworkMap {
        NetworkMap(groupId: try .init("g"), networkParametersHash: parameters ?? p, nodeInfoHashes: hashes)
    }

    @Test("downloads only what is new, waits max-age (clamped, defaulted), retries after failures, forgets dropped records")
    func rounds() throws {
        var machine = NetworkMapSyncStateMachine()
        #expect(machine.start(now: t0) == .fetchMap)
        #expect(machine.mapReceived(try map([a, b]), maxAgeSeconds: 10, now: t0) == .download(parameters: [p], records: [a, b]))
        #expect(machine.downloaded(parameters: [p], records: [a, b], now: t0) == .apply(try map([a, b])))
        #expect(machine.applied(now: t0) == .wait(until: t0.addingTimeInterval(10)))
        #expect(machine.timerFired(now: t0.addingTimeInterval(9)) == .wait(until: t0.addingTimeInterval(10)))
        #expect(machine.timerFired(now: t0.addingTimeInterval(10)) == .fetchMap)
        // Nothing new: straight to apply (which removes what the map dropped); max-age 0 is clamped to 1 s.
        #expect(machine.mapReceived(try map([b]), maxAgeSeconds: 0, now: t0.addingTimeInterval(10)) == .apply(try map([b])))
        #expect(machine.applied(now: t0.addingTimeInterval(10)) == .wait(until: t0.addingTimeInterval(11)))
        #expect(machine.heldRecords == [b])
        #expect(machine.timerFired(now: t0.addingTimeInterval(11)) == .fetchMap)
        // A dropped record that comes back is downloaded again; no max-age: the default 60 s; huge: 1 h.
        #expect(machine.mapReceived(try map([a, b]), maxAgeSeconds: nil, now: t0) == .download(parameters: [], records: [a]))
        #expect(machine.downloaded(parameters: [], records: [a], now: t0) == .apply(try map([a, b])))
        #expect(machine.applied(now: t0) == .wait(until: t0.addingTimeInterval(60)))
        _ = machine.timerFired(now: t0.addingTimeInterval(60))
        #expect(machine.mapReceived(try map([a, b]), maxAgeSeconds: 1_000_000, now: t0) == .apply(try map([a, b])))
        #expect(machine.applied(now: t0) == .wait(until: t0.addingTimeInterval(3600)))
        // A failure: retry after 60 s, and what was held stays held.
        _ = machine.timerFired(now: t0.addingTimeInterval(3600))
        #expect(machine.failed(now: t0.addingTimeInterval(3600)) == .wait(until: t0.addingTimeInterval(3660)))
        #expect(machine.timerFired(now: t0.addingTimeInterval(3660)) == .fetchMap)
        #expect(machine.mapReceived(try map([a, b], parameters: a), maxAgeSeconds: 5, now: t0) == .download(parameters: [a], records: []))
        #expect(machine.completedRounds == 4)
        // Announced parameters are downloaded as soon as the map names them, once.
        _ = machine.downloaded(parameters: [a], records: [], now: t0)
        _ = machine.applied(now: t0)
        _ = machine.timerFired(now: t0.addingTimeInterval(5))
        var announcing = try map([a, b], parameters: a)
        announcing.parametersUpdate = ParametersUpdate(newParametersHash: p, description: "bigger messages", updateDeadlineMillis: 0)
        #expect(machine.mapReceived(announcing, maxAgeSeconds: 5, now: t0) == .download(parameters: [p], records: []))
        _ = machine.downloaded(parameters: [p], records: [], now: t0)
        _ = machine.applied(now: t0)
        #expect(machine.heldParameters == [a, p])
    }
}

@Suite("publish → map → sync into a real nats-server, with the p2p binary", .serialized)
struct SyncEndToEndTests {
    /// Every member of `p2p.members.info`, by X.500 name.
    func members(_ bus: any MessageBus) async throws -> [String: MemberInfo] {
        let entries = try await bus.table(MembershipTables.membersInfo).snapshot()
        var members: [String: MemberInfo] = [:]
        for entry in entries.values {
            let member = try MemberInfo.decode(entry)
            members[member.holdingIdentity.name.description] = member
        }
        return members
    }

    func writeRecord(_ member: MemberInfo, _ network: TestNetwork, _ name: String) throws -> String {
        let file = network.path("\(name)-record.json")
        try Data(StrictJSON.encode(member)).write(to: URL(fileURLWithPath: file))
        return file
    }

    @Test("publish, sync --once writes members and parameters; a higher serial updates; past the horizon sync removes; tampered or foreign maps write nothing")
    func endToEnd() async throws {
        let network = try TestNetwork()
        defer { network.remove() }
        let nats = try await NATSServer.start()
        defer { nats.stop() }
        let layout = try await P2PBinary.run(["bus", "setup", "--url", nats.url])
        #expect(layout.status == 0, "\(layout.stderr)")

        let clock = TestClock()
        let home = try network.serverHome(eventHorizonSeconds: 600)
        let service = try NetworkMapService(home: home, now: clock.function)
        let server = try await NetworkMapServer.start(service: service, port: 0)
        defer { Task { await server.stop() } }

        // Publish Alice (Ed25519 key through the doorman CA) and Bob with the CLI.
        let alice = try TestNetwork.member(TestNetwork.alice, serial: 1, endpoint: "https://alice.example.test:8443")
        let bob = try TestNetwork.member(TestNetwork.bob, serial: 1, endpoint: "https://bob.example.test:8443")
        for (member, signer) in [(alice, "alice"), (bob, "bob")] {
            let published = try await P2PBinary.run([
                "network-map", "publish", "--map", server.url, "--record", try writeRecord(member, network, signer),
                "--key", network.path("\(signer).key"), "--certificates", try network.chainFile(signer),
            ])
            #expect(published.status == 0, "\(published.stderr)")
            #expect(published.stdout.contains("published \(member.holdingIdentity) serial 1 as "), "\(published.stdout)")
        }
        let sync = ["network-map", "sync", "--once", "--map", server.url, "--url", nats.url, "--root", network.path("root.pem")]
        let first = try await P2PBinary.run(sync)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("added group test-network"), "\(first.stdout)")
        #expect(first.stdout.contains("added member \(TestNetwork.alice)@test-network"))

        let bus = try await JetStreamBus.connect(urls: [nats.url])
        var stored = try await members(bus)
        #expect(stored[TestNetwork.alice] == alice && stored[TestNetwork.bob] == bob)
        let policies = try await bus.table(MembershipTables.groupPolicies).snapshot()
        let policy = try GroupPolicy.decode(try #require(policies.values.first))
        #expect(policy.protocolModes == [.authenticatedEncryption] && policy.parameters.maxMessageSize == 500_000)
        #expect(policy.trustRootCertificates == [try network.certificate("root").pemRepresentation])

        // Bob republishes with a higher serial and a new endpoint, 400 s later; sync updates him.
        clock.advance(seconds: 400)
        var bob2 = bob
        bob2.serial = 2
        bob2.endpoints = ["https://bob2.example.test:9443"]
        try await NetworkMapClient(baseURL: server.url).publish(try network.signed(bob2, by: "bob"))
        let second = try await P2PBinary.run(sync)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stdout.contains("updated member \(TestNetwork.bob)@test-network"), "\(second.stdout)")
        stored = try await members(bus)
        #expect(stored[TestNetwork.bob] == bob2 && stored[TestNetwork.alice] == alice)

        // 700 s after the start Alice (last seen at 0) is past the 600 s horizon; Bob (400) is not.
        clock.advance(seconds: 300)
        let third = try await P2PBinary.run(sync)
        #expect(third.status == 0, "\(third.stderr)")
        #expect(third.stdout.contains("removed member \(TestNetwork.alice)@test-network"), "\(third.stdout)")
        stored = try await members(bus)
        #expect(stored.keys.sorted() == [TestNetwork.bob])

        // A tampered record file on the server: the download does not verify and nothing is written.
        clock.advance(seconds: 1)
        var bob3 = bob2
        bob3.serial = 3
        bob3.endpoints = ["https://bob3.example.test:9443"]
        let third3 = try network.signed(bob3, by: "bob")
        try await NetworkMapClient(baseURL: server.url).publish(third3)
        let file = home.appendingPathComponent("entries/\(third3.hash)")
        var envelope = try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as! [String: Any]
        var signature = try #require(Data(base64Encoded: envelope["signature"] as! String))
        signature[4] ^= 0x01
        envelope["signature"] = signature.base64EncodedString()
        try JSONSerialization.data(withJSONObject: envelope).write(to: file)
        let tampered = try await P2PBinary.run(sync)
        #expect(tampered.status != 0)
        #expect(tampered.stderr.contains("invalid signature"), "\(tampered.stderr)")
        #expect(try await members(bus)[TestNetwork.bob] == bob2)

        // A map under another root: refused at the map, nothing written.
        let foreignHome = try network.serverHome(mapSigner: "other-map")
        try FileManager.default.removeItem(at: foreignHome.appendingPathComponent(NetworkMapService.rootFile))
        try FileManager.default.copyItem(atPath: network.path("other-root.pem"), toPath: foreignHome.appendingPathComponent(NetworkMapService.rootFile).path)
        let foreignService = try NetworkMapService(home: foreignHome)
        let foreign = try await NetworkMapServer.start(service: foreignService, port: 0)
        defer { Task { await foreign.stop() } }
        var otherAlice = alice
        otherAlice.serial = 9
        try await NetworkMapClient(baseURL: foreign.url).publish(
            try SignedEnvelope.sign(payload: MemberRecord(member: otherAlice).encoded(), key: try network.key("other-alice"), chain: try network.chain("other-alice")))
        let refused = try await P2PBinary.run(
            ["network-map", "sync", "--once", "--map", foreign.url, "--url", nats.url, "--root", network.path("root.pem")])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("untrusted certificate"), "\(refused.stderr)")
        #expect(try await members(bus).keys.sorted() == [TestNetwork.bob])
        await bus.close()
    }
}

@Suite("Continuous sync on the in-process bus")
struct ContinuousSyncTests {
    @Test("run keeps polling: a member published between rounds reaches the bus; cancelling stops it")
    func polling() async throws {
        let network = try TestNetwork()
        defer { network.remove() }
        let bus = try await TestNetwork.bus()
        let service = try NetworkMapService(home: try network.serverHome(), maxAgeSeconds: 1)
        let server = try await NetworkMapServer.start(service: service, port: 0)
        defer { Task { await server.stop() } }
        try await NetworkMapClient(baseURL: server.url).publish(try network.signed(try TestNetwork.member(TestNetwork.bob, serial: 1), by: "bob"))

        var policy = NetworkMapSyncStateMachine.Policy()
        policy.maximumInterval = 0.05
        policy.retryInterval = 0.05
        let sync = NetworkMapSync(client: try NetworkMapClient(baseURL: server.url), trust: try network.trust, bus: bus, policy: policy)
        let rounds = Mutex(0)
        let task = Task { await sync.run { if case .success = $0 { rounds.withLock { $0 += 1 } } } }
        func names(count: Int) async throws -> [String] {
            var names: [String] = []
            for _ in 0..<100 where names.count < count {
                try await Task.sleep(for: .milliseconds(50))
                names = try await bus.table(MembershipTables.membersInfo).snapshot().values
                    .map { try MemberInfo.decode($0).holdingIdentity.name.description }.sorted()
            }
            return names
        }
        // Carol publishes only once Bob is on the bus: she can only arrive through a later round.
        #expect(try await names(count: 1) == [TestNetwork.bob])
        try await NetworkMapClient(baseURL: server.url).publish(try network.signed(try TestNetwork.member(TestNetwork.carol, serial: 1), by: "carol"))
        let both = try await names(count: 2)
        task.cancel()
        await task.value
        #expect(both == [TestNetwork.bob, TestNetwork.carol])
        #expect(rounds.withLock { $0 } >= 2)
        #expect(SetupReport(changes: []).description == "\n0 changes, 0 unchanged")
    }
}

@Suite("The bus mirrors the map")
struct MirrorTests {
    @Test("a local edit with a higher serial is replaced by the map's record; members of other groups are left alone")
    func mapIsAuthoritative() async throws {
        let network = try TestNetwork()
        defer { network.remove() }
        let bus = try await TestNetwork.bus()
        let service = try NetworkMapService(home: try network.serverHome())
        let server = try await NetworkMapServer.start(service: service, port: 0)
        defer { Task { await server.stop() } }
        let client = try NetworkMapClient(baseURL: server.url)
        let bob = try TestNetwork.member(TestNetwork.bob, serial: 1)
        try await client.publish(try network.signed(bob, by: "bob"))
        let sync = NetworkMapSync(client: client, trust: try network.trust, bus: bus)
        _ = try await sync.runOnce()

        // Someone edits Bob locally with a higher serial, and adds a member of another group.
        let setup = NetworkSetup(bus: bus)
        _ = try await setup.addMember(
            MemberInput(x500Name: TestNetwork.bob, groupId: TestNetwork.groupId, endpoints: ["https://elsewhere.example.test"],
                sessionPublicKeys: bob.sessionPublicKeys, serial: 7))
        _ = try await setup.addGroup(GroupInput(groupId: "other-group", trustRootCertificates: [try network.certificate("root").pemRepresentation]))
        _ = try await setup.addMember(
            MemberInput(x500Name: TestNetwork.carol, groupId: "other-group", endpoints: ["https://carol.example.test"],
                sessionPublicKeys: bob.sessionPublicKeys))

        let report = try await sync.runOnce()
        #expect(report.description.contains("removed member \(TestNetwork.bob)@test-network"), "\(report)")
        #expect(report.description.contains("added member \(TestNetwork.bob)@test-network"), "\(report)")
        var members: [String: MemberInfo] = [:]
        for entry in try await bus.table(MembershipTables.membersInfo).snapshot().values {
            let member = try MemberInfo.decode(entry)
            members[member.holdingIdentity.description] = member
        }
        #expect(members["\(TestNetwork.bob)@test-network"] == bob)
        #expect(members["\(TestNetwork.carol)@other-group"] != nil)
        #expect(members.count == 2)
    }
}
