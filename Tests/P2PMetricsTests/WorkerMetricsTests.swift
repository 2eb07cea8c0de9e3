#if canImport(Glibc)
import Glibc
#endif
import Foundation
import P2PCluster
import P2PTestSupport
import Testing

/// `p2p-link-manager` and `p2p-gateway` with `--metrics-port 0` on a real nats-server: each prints its
/// metrics URL, answers a curl scrape with its own member's series, and stops the endpoint on SIGTERM.
@Suite("Metrics of the worker processes", .serialized)
struct WorkerMetricsTests {
    static let waitLimit = Duration.seconds(15)

    /// A worker run with its stdout and stderr in a file, stopped by PID.
    final class Worker: @unchecked Sendable {
        let process = Process()
        let log: URL

        init(_ executable: String, _ arguments: [String], log: URL) throws {
            self.log = log
            _ = FileManager.default.createFile(atPath: log.path, contents: nil)
            let handle = try FileHandle(forWritingTo: log)
            process.executableURL = P2PBinary.url.deletingLastPathComponent().appendingPathComponent(executable)
            process.arguments = arguments
            process.standardOutput = handle
            process.standardError = handle
            try process.run()
        }

        var output: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

        /// The URL after "metrics on ", once printed (bounded wait).
        func metricsURL() async throws -> String {
            let deadline = ContinuousClock.now + WorkerMetricsTests.waitLimit
            while ContinuousClock.now < deadline, process.isRunning {
                if let line = output.split(separator: "\n").first(where: { $0.hasPrefix("metrics on ") }) {
                    return String(line.dropFirst("metrics on ".count))
                }
                try await Task.sleep(for: .milliseconds(20))
            }
            throw FixtureError("no metrics line: \(output)")
        }

        /// SIGTERM by PID and a bounded wait for the exit status (SIGKILL if it does not come).
        func stop() async throws -> Int32 {
            if process.isRunning { kill(process.processIdentifier, SIGTERM) }
            let deadline = ContinuousClock.now + WorkerMetricsTests.waitLimit
            while process.isRunning, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
            }
            return process.terminationStatus
        }

        deinit {
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
            }
        }
    }

    @Test func workersServeTheirOwnMetrics() async throws {
        let network = try DemoNetwork.generate(
            clusters: [DemoNetwork.ClusterPlan(organisations: ["Alice Corp"], port: try FreePort.find())])
        let server = try await NATSServer.start()
        defer { server.kill() }
        let keyPath = server.directory.appendingPathComponent("cluster.key").path
        let networkPath = server.directory.appendingPathComponent("network.json").path
        try network.clusterKeys[0].write(toNewFile: keyPath)
        try Data(network.networkFiles[0]).write(to: URL(fileURLWithPath: networkPath))
        #expect(try await P2PBinary.run(["bus", "setup", "--url", server.url]).status == 0)
        #expect(try await P2PBinary.run(["setup", "apply", "--url", server.url, "--cluster-key", keyPath, networkPath]).status == 0)

        let common = ["--url", server.url, "--cluster-key", keyPath, "--connect-attempts", "2", "--metrics-port", "0"]
        let linkManager = try Worker(
            "p2p-link-manager", common + ["--instance-id", "lm-metrics"],
            log: server.directory.appendingPathComponent("link-manager.log"))
        let gateway = try Worker(
            "p2p-gateway", common + ["--instance-id", "gw-metrics"], log: server.directory.appendingPathComponent("gateway.log"))

        let linkManagerURL = try await linkManager.metricsURL()
        let gatewayURL = try await gateway.metricsURL()
        #expect(linkManagerURL.hasPrefix("http://127.0.0.1:") && linkManagerURL.hasSuffix("/metrics"))
        let linkManagerScrape = try await Curl.run(linkManagerURL)
        #expect(linkManagerScrape.statusCode == 200)
        #expect(linkManagerScrape.contentType == "text/plain; version=0.0.4; charset=utf-8")
        #expect(linkManagerScrape.value(of: "p2p_link_manager_delivered_to_applications_total", member: "lm-metrics") == 0)
        #expect(!linkManagerScrape.body.contains("p2p_gateway_"))
        let gatewayScrape = try await Curl.run(gatewayURL)
        #expect(gatewayScrape.statusCode == 200)
        #expect(gatewayScrape.value(of: "p2p_gateway_frames_submitted_total", member: "gw-metrics") == 0)
        #expect(!gatewayScrape.body.contains("p2p_link_manager_"))

        #expect(try await linkManager.stop() == 0)
        #expect(try await gateway.stop() == 0)
        // The endpoints went with the workers.
        #expect(try await Curl.run(linkManagerURL).exitStatus != 0)
        #expect(try await Curl.run(gatewayURL).exitStatus != 0)
    }
}
