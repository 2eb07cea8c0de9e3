import Foundation
import P2PNetworkMap
import P2PTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("p2p network-map serve and ack-parameters as processes", .serialized)
struct ServeCommandTests {
    @Test("serve prints its URL, answers curl, stores a member's acknowledgement from the CLI, and stops on SIGTERM")
    func serve() async throws {
        let network = try TestNetwork()
        defer { network.remove() }
        let home = try network.serverHome()
        let process = Process()
        process.executableURL = P2PBinary.url
        process.arguments = ["network-map", "serve", "--home", home.path, "--port", "0", "--max-age", "3", "--seconds", "60"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer {
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
            }
        }
        // The first line names the URL; read it on a thread of its own (a blocking read), bounded by the --seconds above.
        let line: String = try await withCheckedThrowingContinuation { continuation in
            Thread {
                var bytes: [UInt8] = []
                while bytes.count < 4096, let byte = try? output.fileHandleForReading.read(upToCount: 1), let first = byte.first, first != 0x0A {
                    bytes.append(first)
                }
                continuation.resume(returning: String(decoding: bytes, as: UTF8.self))
            }.start()
        }
        #expect(line.hasPrefix("network map of group test-network on http://127.0.0.1:"), "\(line)")
        let url = try #require(line.split(separator: " ").first { $0.hasPrefix("http://") }).description
        let map = try await Curl.run(url + "/network-map")
        #expect(map.statusCode == 200 && map.header("Cache-Control") == "max-age=3")
        let verified = try network.trust.verifiedMap(try SignedEnvelope.decode(Array(map.body.utf8), maximumBytes: 1 << 20), at: Date())

        let ack = try await P2PBinary.run([
            "network-map", "ack-parameters", "--hash", verified.networkParametersHash.hex, "--map", url,
            "--key", network.path("bob.key"), "--certificates", try network.chainFile("bob"),
        ])
        #expect(ack.status == 0, "\(ack.stderr)")
        let acks = try String(contentsOf: home.appendingPathComponent("acks.json"), encoding: .utf8)
        #expect(acks.contains(verified.networkParametersHash.hex))
        let refused = try await P2PBinary.run([
            "network-map", "ack-parameters", "--hash", verified.networkParametersHash.hex, "--map", url,
            "--key", network.path("map.key"), "--certificates", network.path("map.pem"),
        ])
        #expect(refused.status != 0 && refused.stderr.contains("1107 wrong certificate role"), "\(refused.stderr)")

        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }
}
