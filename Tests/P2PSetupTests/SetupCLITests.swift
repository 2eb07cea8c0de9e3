import Foundation
import P2PBus
import P2PBusJetStream
import P2PMembership
import P2PTestSupport
import Testing

@Suite("p2p setup end to end against a real nats-server", .serialized)
struct SetupCLITests {
    @Test("apply twice: everything added, then everything unchanged; remove-member; errors exit non-zero naming the field")
    func applyTwiceAndErrors() async throws {
        let server = try await NATSServer.start()
        defer { server.stop() }
        let layout = try await P2PBinary.run(["bus", "setup", "--url", server.url])
        #expect(layout.status == 0, "\(layout.stderr)")
        let keyFile = server.directory.appendingPathComponent("cluster.key").path
        let generated = try await P2PBinary.run(["setup", "generate-cluster-key", keyFile])
        #expect(generated.status == 0, "\(generated.stderr)")
        let url = ["--url", server.url, "--cluster-key", keyFile]

        let first = try await P2PBinary.run(["setup", "apply", Example.fileURL.path] + url)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("added group example-network"))
        #expect(first.stdout.contains("added member \(Example.alice)@example-network"))
        #expect(first.stdout.contains("added configuration p2p.gateway"))
        #expect(first.stdout.contains("11 changes, 0 unchanged"), "\(first.stdout)")

        let second = try await P2PBinary.run(["setup", "apply", Example.fileURL.path] + url)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stdout.contains("0 changes, 11 unchanged"), "\(second.stdout)")
        #expect(!second.stdout.contains("added") && !second.stdout.contains("updated"))

        let removed = try await P2PBinary.run(
            ["setup", "rm-member", "-x", "C=US, L=New York, O=Bob Ltd", "-g", "example-network", "--url", server.url])
        #expect(removed.status == 0, "\(removed.stderr)")
        #expect(removed.stdout.contains("removed member \(Example.bob)@example-network"), "\(removed.stdout)")

        // What the CLI wrote is what a reader on another connection sees.
        let bus = try await JetStreamBus.connect(urls: [server.url])
        let reader = try await TableReader<MemberInfo>(bus: bus)
        try await reader.start()
        #expect(reader.records.values.map(\.holdingIdentity.name.organisation) == ["Alice Corp"])
        reader.stop()
        await bus.close()

        // A validation error: non-zero exit, the field and the rule on stderr, nothing written.
        let bad = server.directory.appendingPathComponent("bad-member.json")
        var member = try Example.file.membersToAdd[1]
        member.endpoints = ["http://bob.example.test:8444"]
        try JSONEncoder().encode(member).write(to: bad)
        let refused = try await P2PBinary.run(["setup", "add-member", bad.path, "--url", server.url])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("endpoints[0]") && refused.stderr.contains("must be an https URL"), "\(refused.stderr)")

        // A cluster key file others can read is refused before anything is sent.
        let loose = server.directory.appendingPathComponent("loose.key").path
        _ = FileManager.default.createFile(atPath: loose, contents: Data(repeating: 1, count: 32), attributes: [.posixPermissions: 0o644])
        let permissive = try await P2PBinary.run(["setup", "apply", Example.fileURL.path, "--url", server.url, "--cluster-key", loose])
        #expect(permissive.status != 0)
        #expect(permissive.stderr.contains("must be 0600 or stricter"), "\(permissive.stderr)")

        // Keys need the cluster key.
        let keyless = try await P2PBinary.run(["setup", "apply", Example.fileURL.path, "--url", server.url])
        #expect(keyless.status != 0)
        #expect(keyless.stderr.contains("keysToAdd[0].privateKey") && keyless.stderr.contains("--cluster-key"), "\(keyless.stderr)")
    }

    @Test("config-gateway publishes defaults and a file; an unknown field in the file is refused by name")
    func configCommands() async throws {
        let server = try await NATSServer.start()
        defer { server.stop() }
        let bus = try await JetStreamBus.connect(urls: [server.url])
        for table in BusLayout.standard.tables { try await bus.createTable(table) }
        let reader = try await ConfigurationReader<LinkManagerConfiguration>(bus: bus)
        try await reader.start()
        #expect(reader.current == nil)

        let defaults = try await P2PBinary.run(["setup", "config-gw", "--url", server.url])
        #expect(defaults.stdout.contains("added configuration p2p.gateway"), "\(defaults.stderr)")
        let file = server.directory.appendingPathComponent("lm.json")
        try Data(#"{"sessionsPerPeer": 2, "heartbeatPeriodMillis": 1000}"#.utf8).write(to: file)
        let lm = try await P2PBinary.run(["setup", "config-lm", file.path, "--url", server.url])
        #expect(lm.stdout.contains("added configuration p2p.linkManager"), "\(lm.stderr)")
        #expect(try await eventually { reader.current?.sessionsPerPeer == 2 })
        #expect(reader.current?.heartbeatPeriodMillis == 1_000)
        #expect(reader.current?.sessionTimeoutMillis == 10_000)

        try Data(#"{"sessionsPerPeer": 2, "heartbeatPeriod": 1000}"#.utf8).write(to: file)
        let typo = try await P2PBinary.run(["setup", "config-lm", file.path, "--url", server.url])
        #expect(typo.status != 0)
        #expect(typo.stderr.contains("heartbeatPeriod") && typo.stderr.contains("unknown field"), "\(typo.stderr)")
        reader.stop()
        await bus.close()
    }
}
