import Foundation
import P2PBootstrap
import P2PCluster
import P2PIdentity
import P2PLinkManager
import P2PLinkManagerService
import P2PMembership
import P2PNetworkMap
import P2PBus
import P2PX509
import P2PSetup
import Testing

/// `Bootstrapper` on a temporary directory: what it writes, what a second run keeps, and a bootstrapped
/// network running end to end (two embedded clusters over HTTPS).
@Suite("Network bootstrapper", .serialized)
struct BootstrapperTests {
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appending(path: "p2p-bootstrap-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func plan(alicePort: Int = 10_443, bobPort: Int = 10_444, bobHost: String = "127.0.0.1") -> BootstrapPlan {
        var linkManager = LinkManagerConfiguration()
        linkManager.replayPeriodMillis = 500
        linkManager.sessionsPerPeer = 2
        return BootstrapPlan(
            groupId: "trade-network",
            clusters: [
                .init(name: "alice", host: "127.0.0.1", port: alicePort, listenAddress: "127.0.0.1", identities: ["O=Alice Corp, L=London, C=GB"]),
                .init(
                    name: "bob", host: bobHost, port: bobPort, listenAddress: "127.0.0.1",
                    identities: ["O=Bob Corp, L=Paris, C=FR", "O=Bob Trading, L=Paris, C=FR"]),
            ],
            linkManagerConfig: linkManager)
    }

    static func read(_ directory: URL, _ path: String) throws -> [UInt8] {
        Array(try Data(contentsOf: directory.appending(path: path)))
    }

    static func mode(_ directory: URL, _ path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: directory.appending(path: path).path)
        return (attributes[.posixPermissions] as? Int ?? 0) & 0o777
    }

    @Test("a plan is refused with the field that breaks a rule")
    func planErrors() throws {
        func refusal(_ json: String) -> MembershipError? {
            do {
                _ = try BootstrapPlan.parse(Array(json.utf8))
                return nil
            } catch { return error }
        }
        let cluster = #"{"name":"a","host":"a.example","port":8443,"identities":["O=Acme Ltd, L=London, C=GB"]}"#
        #expect(refusal(#"{"groupId":"g","clusters":[\#(cluster)],"colour":"red"}"#)?.code == .unknownField)
        #expect(refusal(#"{"groupId":"g","clusters":[\#(cluster),\#(cluster)]}"#)?.field == "clusters[1].name")
        let badName = #"{"groupId":"g","clusters":[{"name":"a","host":"h","port":1,"identities":["CN=nobody"]}]}"#
        #expect(refusal(badName)?.code == .invalidX500Name)
        #expect(refusal(badName)?.field == "clusters[0].identities[0]")
        // The same legal name in another attribute order is the same identity.
        let twice = #"{"groupId":"g","clusters":[\#(cluster),{"name":"b","host":"h","port":1,"identities":["C=GB, O=Acme Ltd, L=London"]}]}"#
        #expect(refusal(twice)?.code == .duplicateEntry)
        #expect(refusal(#"{"groupId":"g","clusters":[{"name":"a","host":"h","port":0,"identities":["O=Acme Ltd, L=London, C=GB"]}]}"#)?.field == "clusters[0].port")
        #expect(refusal(#"{"groupId":"g","clusters":[{"name":"A/b","host":"h","port":1,"identities":["O=Acme Ltd, L=London, C=GB"]}]}"#)?.field == "clusters[0].name")
        #expect(refusal(#"{"groupId":"g","clusters":[]}"#)?.field == "clusters")
        #expect(refusal(#"{"groupId":"g","certificateValidityDays":0,"clusters":[\#(cluster)]}"#)?.field == "certificateValidityDays")
        #expect(refusal(#"{"groupId":"g","clusters":[\#(cluster)]}"#) == nil)
    }

    @Test("a second run changes nothing; a changed plan keeps every key and moves the epoch once")
    func idempotence() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let bootstrapper = Bootstrapper(directory: directory)
        let first = try bootstrapper.run(Self.plan())
        #expect(first.epoch == 1 && first.updated.isEmpty)
        #expect(Set(first.created).isSuperset(of: [
            "pki/ca/root-certificate.pem", "clusters/alice/cluster.key", "clusters/bob/network.json", "pki/bob-gateway/certificate.pem",
        ]))
        for path in ["clusters/alice/cluster.key", "clusters/alice/session-keys.json", "clusters/alice/network.json", "pki/alice-gateway/keys.pem"] {
            #expect(try Self.mode(directory, path) == 0o600, "\(path)")
        }
        let aliceKey = try Self.read(directory, "clusters/alice/cluster.key")
        let bobSessions = try Self.read(directory, "clusters/bob/session-keys.json")
        let bobCertificate = try Self.read(directory, "pki/bob-gateway/certificate.pem")
        let bobNetwork = try Self.read(directory, "clusters/bob/network.json")

        let second = try bootstrapper.run(Self.plan())
        #expect(!second.changed && second.epoch == 1)
        #expect(try Self.read(directory, "clusters/bob/network.json") == bobNetwork)
        #expect(try Self.read(directory, "pki/bob-gateway/certificate.pem") == bobCertificate)

        // Bob moves to another host name, and a third cluster joins.
        var changed = Self.plan(bobHost: "bob.example")
        changed.clusters.append(.init(name: "carol", host: "carol.example", port: 8443, identities: ["O=Carol Corp, L=Rome, C=IT"]))
        let third = try bootstrapper.run(changed)
        #expect(third.epoch == 2)
        #expect(third.updated.contains("pki/bob-gateway/certificate.pem"))
        #expect(third.updated.contains("clusters/alice/network.json"))  // Carol is a new member everywhere
        #expect(third.created.contains("clusters/carol/cluster.key"))
        #expect(try Self.read(directory, "clusters/alice/cluster.key") == aliceKey)
        #expect(try Self.read(directory, "clusters/bob/session-keys.json") == bobSessions)
        #expect(try Self.read(directory, "pki/bob-gateway/certificate.pem") != bobCertificate)
        let aliceFile = try NetworkFile.parse(try Self.read(directory, "clusters/alice/network.json"))
        #expect(aliceFile.membersToAdd.count == 4 && aliceFile.identitiesToAdd.count == 1)
        #expect(aliceFile.membersToAdd.contains { $0.x500Name.contains("Carol") && $0.endpoints == ["https://carol.example:8443"] })

        // Carol leaves the plan again: her folder stays, reported as stale.
        let fourth = try bootstrapper.run(Self.plan(bobHost: "bob.example"))
        #expect(fourth.stale == ["carol"] && fourth.epoch == 3)
    }

    @Test("openssl verifies every gateway certificate against the network CA")
    func certificatesVerify() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        _ = try Bootstrapper(directory: directory).run(Self.plan())
        for name in ["alice", "bob"] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
            process.arguments = [
                "verify", "-CAfile", directory.appending(path: "pki/ca/root-certificate.pem").path,
                directory.appending(path: "pki/\(name)-gateway/certificate.pem").path,
            ]
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = pipe
            try process.run()
            let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(process.terminationStatus == 0, "\(output)")
        }
    }

    @Test("a bootstrapped network delivers: two embedded clusters over HTTPS from the generated files")
    func bootstrappedNetworkDelivers() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let plan = Self.plan(alicePort: try FreePort.find(), bobPort: try FreePort.find())
        _ = try Bootstrapper(directory: directory).run(plan)
        var clusters: [EmbeddedCluster] = []
        var apps: [ClusterApplication] = []
        for name in ["alice", "bob"] {
            let file = try Self.read(directory, "clusters/\(name)/network.json")
            let key = try ClusterKey(contentsOf: directory.appending(path: "clusters/\(name)/cluster.key").path)
            let cluster = try await EmbeddedCluster.start(networkFile: file, clusterKey: key)
            clusters.append(cluster)
            apps.append(try await ClusterApplication(bus: cluster.bus, name: name))
        }
        do {
            let group = try GroupID("trade-network")
            let alice = HoldingIdentity(name: try X500Name("O=Alice Corp, L=London, C=GB"), groupID: group)
            let bob = HoldingIdentity(name: try X500Name("O=Bob Trading, L=Paris, C=FR"), groupID: group)
            let ttl = LinkManagerService.wallClock() + 60_000
            for n in 0..<5 {
                let message = AppMessage.authenticated(
                    AuthenticatedMessage(
                        header: AuthenticatedMessageHeader(destination: bob, source: alice, ttl: ttl, messageID: try MessageID("b-\(n)")),
                        payload: Array(repeating: UInt8(n), count: 64)))
                _ = try await apps[0].send(message, key: Array("k-\(n)".utf8)).accepted()
            }
            var received: [AppMessage] = []
            let deadline = ContinuousClock.now + .seconds(20)
            while received.count < 5, ContinuousClock.now < deadline {
                received += try await apps[1].receive(timeout: .milliseconds(200))
            }
            #expect(Set(received.map(\.messageID.value)) == Set((0..<5).map { "b-\($0)" }))
            #expect(received.count == 5)
        } catch {
            Issue.record(error)
        }
        for app in apps { await app.close() }
        for cluster in clusters { await cluster.stop() }
    }

    @Test("the network-map home serves, every member publishes its record, and sync mirrors them into a bus")
    func networkMapFromTheBootstrap() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let bootstrapper = Bootstrapper(directory: directory)
        let first = try bootstrapper.run(Self.plan())
        #expect(first.created.contains("network-map/network-map-cert.pem"))
        #expect(try Self.mode(directory, "network-map/network-map-key.pem") == 0o600)
        let mapCertificate = try Certificate(pemEncoded: String(decoding: try Self.read(directory, "network-map/network-map-cert.pem"), as: UTF8.self))
        #expect(mapCertificate.cordaRole == .networkMap)

        let service = try NetworkMapService(home: bootstrapper.networkMapHome)
        let server = try await NetworkMapServer.start(service: service, port: 0)
        do {
            let client = try NetworkMapClient(baseURL: "http://127.0.0.1:\(server.port)")
            let members = try FileManager.default.subpathsOfDirectory(atPath: directory.appending(path: "clusters").path)
                .filter { $0.hasSuffix("member.json") }.sorted()
            #expect(members.count == 3)
            for path in members {
                let folder = directory.appending(path: "clusters").appending(path: path).deletingLastPathComponent()
                let record = try MemberRecord.parseMember(Array(try Data(contentsOf: folder.appending(path: "member.json"))))
                let key = try PrivateKey(pemEncoded: String(contentsOf: folder.appending(path: "member-key.pem"), encoding: .utf8))
                let chain = [try Certificate(pemEncoded: String(contentsOf: folder.appending(path: "member-cert.pem"), encoding: .utf8))]
                try await client.publish(try SignedEnvelope.sign(payload: record.encoded(), key: key, chain: chain))
            }
            #expect(try await service.entries().count == 3)

            let bus = InProcessBus()
            for table in BusLayout.standard.tables { try await bus.createTable(table) }
            let trust = try NetworkTrust(rootPEMFile: directory.appending(path: "network-map/root.pem").path)
            let report = try await NetworkMapSync(client: client, trust: trust, bus: bus).runOnce()
            #expect(!report.changes.isEmpty)
            let watch = try await bus.table(MembershipTables.membersInfo).watch()
            var mirrored = 0
            for await event in watch {
                if case .put = event { mirrored += 1 }
                if case .caughtUp = event { break }
            }
            watch.cancel()
            #expect(mirrored == 3)
            await bus.close()
        } catch {
            Issue.record(error)
        }
        await server.stop()

        // A second bootstrap keeps the map's key, certificate, parameters and records; a changed host moves the
        // record's serial and a changed parameter moves the parameters' epoch.
        let again = try bootstrapper.run(Self.plan())
        #expect(!again.changed)
        var changed = Self.plan(bobHost: "bob.example")
        changed.maxMessageSize = 500_000
        let third = try bootstrapper.run(changed)
        #expect(third.updated.contains("network-map/network-parameters.json"))
        let parameters = try NetworkParameters.parseInput(try Self.read(directory, "network-map/network-parameters.json"))
        #expect(parameters.epoch == 2 && parameters.maxMessageSize == 500_000)
        let bobRecords = try FileManager.default.subpathsOfDirectory(atPath: directory.appending(path: "clusters/bob").path)
            .filter { $0.hasSuffix("member.json") }
        for path in bobRecords {
            let record = try MemberRecord.parseMember(try Self.read(directory, "clusters/bob/\(path)"))
            #expect(record.member.serial == 2 && record.member.endpoints == ["https://bob.example:10444"])
        }
        #expect(!third.updated.contains("network-map/network-map-cert.pem"))
    }
}
