import Foundation
import P2PBus
import P2PBusJetStream
import P2PCluster
import P2PMembership
import P2PTestSupport
import Testing

/// A running `p2p-gateway` worker takes a new configuration published with `p2p setup config-gateway`
/// (new port: served, the old one refused) and logs a rejected one with its code and field.
@Suite("Gateway worker configuration changes", .serialized)
struct GatewayWorkerConfigurationTests {
    /// Runs curl against `port` (the CA file trusted) and returns the HTTP code, or curl's exit status.
    static func post(port: Int, caFile: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        process.arguments = [
            "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "10", "--cacert", caFile, "-X", "POST",
            "--data-binary", "x", "https://127.0.0.1:\(port)/gateway/send",
        ]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()  // bounded by --max-time
        return process.terminationStatus == 0 ? output : "curl exit \(process.terminationStatus)"
    }

    /// A nats-server with the layout and Bob's one-identity cluster applied, its gateway configured on `port`; the
    /// cluster key's and the CA certificate's paths.
    static func bobCluster(port: Int) async throws -> (server: NATSServer, keyPath: String, caPath: String) {
        let network = try DemoNetwork.generate(clusters: [DemoNetwork.ClusterPlan(organisations: ["Bob Corp"], port: port)])
        let server = try await NATSServer.start()
        let directory = server.directory
        let keyPath = directory.appendingPathComponent("cluster.key").path
        let networkPath = directory.appendingPathComponent("network.json").path
        let caPath = directory.appendingPathComponent("ca.pem").path
        try network.clusterKeys[0].write(toNewFile: keyPath)
        try Data(network.networkFiles[0]).write(to: URL(fileURLWithPath: networkPath))
        try Data(network.rootCertificatePEM.utf8).write(to: URL(fileURLWithPath: caPath))
        let setup = try await P2PBinary.run(["bus", "setup", "--url", server.url])
        #expect(setup.status == 0, "\(setup.stderr)")
        let apply = try await P2PBinary.run(["setup", "apply", "--url", server.url, "--cluster-key", keyPath, networkPath])
        #expect(apply.status == 0, "\(apply.stderr)")
        return (server, keyPath, caPath)
    }

    @Test func aNewPortIsAppliedAndAnInvalidConfigurationIsLoggedAndIgnored() async throws {
        let oldPort = try FreePort.find()
        let (server, keyPath, caPath) = try await Self.bobCluster(port: oldPort)
        defer { server.stop() }
        let directory = server.directory

        let gateway = try WorkerProcess("p2p-gateway", ["--url", server.url, "--cluster-key", keyPath, "--connect-attempts", "2"])
        do {
            try await gateway.waitFor("listening on port \(oldPort)")
            #expect(try Self.post(port: oldPort, caFile: caPath) == "415")  // served (not a batch's media type)

            let newPort = try FreePort.find()
            let file = directory.appendingPathComponent("gateway.json")
            try Data(#"{"hostAddress": "127.0.0.1", "hostPort": \#(newPort)}"#.utf8).write(to: file)
            let published = try await P2PBinary.run(["setup", "config-gateway", "--url", server.url, file.path])
            #expect(published.status == 0, "\(published.stderr)")
            try await gateway.waitFor("gateway configuration applied")
            #expect(try Self.post(port: newPort, caFile: caPath) == "415")
            #expect(try Self.post(port: oldPort, caFile: caPath) == "curl exit 7")  // connection refused

            // Written by another tool than `p2p setup` (which validates first): rejected, logged, ignored.
            let bus = try await JetStreamBus.connect(urls: [server.url], configuration: .init(connectAttempts: 2))
            let invalid = #"{"schemaVersion":1,"component":"p2p.gateway","configuration":{"hostPort":0}}"#
            _ = try await bus.table(MembershipTables.configuration).put(GatewayConfiguration.configurationKey, Array(invalid.utf8))
            await bus.close()
            try await gateway.waitFor("gateway configuration rejected")
            #expect(gateway.text.contains("code=623") && gateway.text.contains("field=configuration.hostPort"), "\(gateway.text)")
            #expect(try Self.post(port: newPort, caFile: caPath) == "415")
            #expect(try await gateway.terminate() == 0)
        } catch {
            gateway.kill()
            throw error
        }
    }

    @Test("--listen-port gives one gateway of a cluster its own port, kept across configuration changes")
    func aPerInstancePortOverridesTheConfiguration() async throws {
        let configuredPort = try FreePort.find()
        let (server, keyPath, caPath) = try await Self.bobCluster(port: configuredPort)
        defer { server.stop() }
        let directory = server.directory

        let arguments = ["--url", server.url, "--cluster-key", keyPath, "--connect-attempts", "2"]
        let ownPort = try FreePort.find()
        let first = try WorkerProcess("p2p-gateway", arguments)
        try await first.waitFor("listening on port \(configuredPort)")
        let second = try WorkerProcess("p2p-gateway", arguments + ["--listen-port", "\(ownPort)", "--listen-address", "127.0.0.1"])
        do {
            try await second.waitFor("listening on port \(ownPort)")
            #expect(try Self.post(port: ownPort, caFile: caPath) == "415")

            // The cluster's configuration moves to a new port: the first gateway follows, the second keeps its own.
            let newPort = try FreePort.find()
            let file = directory.appendingPathComponent("gateway.json")
            try Data(#"{"hostAddress": "127.0.0.1", "hostPort": \#(newPort), "maxRequestSizeBytes": 65536}"#.utf8).write(to: file)
            #expect(try await P2PBinary.run(["setup", "config-gateway", "--url", server.url, file.path]).status == 0)
            try await first.waitFor("gateway configuration applied")
            try await second.waitFor("gateway configuration applied")
            #expect(try Self.post(port: newPort, caFile: caPath) == "415")
            #expect(try Self.post(port: ownPort, caFile: caPath) == "415")
            #expect(try Self.post(port: configuredPort, caFile: caPath) == "curl exit 7")
            #expect(try await first.terminate() == 0)
            #expect(try await second.terminate() == 0)
        } catch {
            first.kill()
            second.kill()
            throw error
        }

        // An override that is not a port is refused before anything starts.
        let refused = try WorkerProcess("p2p-gateway", arguments + ["--listen-port", "0"])
        #expect(try await refused.waitForExit() != 0)
        #expect(refused.text.contains("--listen-port"), "\(refused.text)")
    }
}
