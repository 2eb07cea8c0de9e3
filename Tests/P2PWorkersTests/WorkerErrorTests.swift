import Foundation
import P2PMembership
import P2PTestSupport
import Testing

/// The workers refuse to start, naming what is missing, and exit with a failure status.
@Suite("Worker start-up errors")
struct WorkerErrorTests {
    static func run(_ executable: String, _ arguments: [String]) async throws -> (status: Int32, text: String) {
        let process = try WorkerProcess(executable, arguments)
        let status = try await process.waitForExit(timeout: .seconds(15))
        return (status, process.text)
    }

    @Test("a missing cluster key file is named")
    func missingClusterKey() async throws {
        for executable in ["p2p-link-manager", "p2p-gateway"] {
            let result = try await Self.run(executable, ["--url", "nats://127.0.0.1:1", "--cluster-key", "/nonexistent/cluster.key"])
            #expect(result.status != 0)
            #expect(result.text.contains("/nonexistent/cluster.key"), "\(result.text)")
        }
    }

    @Test("an unreachable URL is named after the bounded attempts")
    func unreachableURL() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("p2p-workers-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let keyPath = directory.appendingPathComponent("cluster.key").path
        try ClusterKey.generate().write(toNewFile: keyPath)
        let port = try NATSServer.freePort()
        let url = "nats://127.0.0.1:\(port)"
        for executable in ["p2p-link-manager", "p2p-gateway"] {
            let result = try await Self.run(executable, ["--url", url, "--cluster-key", keyPath, "--connect-attempts", "1"])
            #expect(result.status != 0)
            #expect(result.text.contains(url) && result.text.contains("unreachable"), "\(result.text)")
        }
    }

    @Test("a bus without the layout, then without the network, is refused naming what lacks")
    func missingSetup() async throws {
        let server = try await NATSServer.start()
        defer { server.stop() }
        let keyPath = server.directory.appendingPathComponent("cluster.key").path
        try ClusterKey.generate().write(toNewFile: keyPath)
        let arguments = ["--url", server.url, "--cluster-key", keyPath]
        let bare = try await Self.run("p2p-link-manager", arguments)
        #expect(bare.status != 0)
        #expect(bare.text.contains("topic p2p.out") && bare.text.contains("p2p bus setup"), "\(bare.text)")

        let setup = try await P2PBinary.run(["bus", "setup", "--url", server.url])
        #expect(setup.status == 0, "\(setup.stderr)")
        let gateway = try await Self.run("p2p-gateway", arguments)
        #expect(gateway.status != 0)
        #expect(gateway.text.contains("no gateway configuration"), "\(gateway.text)")
        let linkManager = try await Self.run("p2p-link-manager", arguments)
        #expect(linkManager.status != 0)
        #expect(linkManager.text.contains("no hosted identity"), "\(linkManager.text)")
    }
}
