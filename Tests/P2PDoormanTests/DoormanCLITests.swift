#if canImport(Glibc)
import Glibc
#endif
import Foundation
import P2PDoorman
import P2PTestSupport
import P2PX509
import Testing

/// `p2p doorman serve` as a child process, stopped by PID.
final class ServeProcess: @unchecked Sendable {
    static let startTimeout: Duration = .seconds(20)

    let process = Process()
    let url: String

    init(home: URL, policy: String, pollInterval: Int = 1) async throws {
        process.executableURL = P2PBinary.url
        process.arguments = [
            "doorman", "serve", "--home", home.path, "--port", "0", "--policy", policy, "--poll-interval", "\(pollInterval)",
        ]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        // The first line names the URL; read it on a thread of its own, bounded in time.
        let line: String? = await withCheckedContinuation { continuation in
            Thread {
                var data = Data()
                while !data.contains(UInt8(ascii: "\n")) {
                    let chunk = output.fileHandleForReading.availableData
                    if chunk.isEmpty { break }
                    data += chunk
                }
                continuation.resume(returning: String(data: data, encoding: .utf8))
            }.start()
        }
        guard let line, let range = line.range(of: "listening on ") else {
            kill(process.processIdentifier, SIGKILL)
            throw TestFailure.unexpected("serve did not start: \(line ?? "")")
        }
        url = String(line[range.upperBound...]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// SIGTERM, then SIGKILL if it has not exited within a few seconds.
    func stop() async {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        for _ in 0..<100 where process.isRunning { try? await Task.sleep(for: .milliseconds(50)) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}

/// A running `p2p doorman request`, waited for later.
func startRequest(_ arguments: [String]) -> Task<P2PBinary.Output, any Error> {
    Task { try await P2PBinary.run(["doorman", "request"] + arguments, timeout: .seconds(40)) }
}

@Suite(.serialized) struct DoormanCLITests {
    @Test func manualApprovalEndToEndAndResumeAfterARestart() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let home = directory.path("doorman")
        let initialised = try await P2PBinary.run(["doorman", "init", "--home", home.path])
        #expect(initialised.status == 0, "\(initialised.stderr)")
        let root = home.appending(path: "root-certificate.pem").path
        var server = try await ServeProcess(home: home, policy: "manual")
        do {
            // A node asks and waits; the operator lists and approves; the node finishes.
            let node = directory.path("alice")
            let waiting = startRequest([
                "--url", server.url, "--name", "O=Alice Corp, L=London, C=GB", "--home", node.path, "--root", root,
                "--timeout", "30",
            ])
            var listed = ""
            for _ in 0..<200 where !listed.contains("O=Alice Corp") {
                listed = try await P2PBinary.run(["doorman", "list", "--home", home.path]).stdout
                if !listed.contains("O=Alice Corp") { try await Task.sleep(for: .milliseconds(50)) }
            }
            let line = try #require(listed.split(separator: "\n").first { $0.contains("O=Alice Corp") })
            #expect(line.contains("pending") && line.contains("NODE_CA"))
            let id = String(line.prefix(32))
            let key = try PrivateKey(pemEncoded: try String(contentsOf: node.appending(path: "certificates/private-key.pem"), encoding: .utf8))
            #expect(line.contains(key.publicKey.sha256Fingerprint))
            let approved = try await P2PBinary.run(["doorman", "approve", id, "--home", home.path])
            #expect(approved.status == 0, "\(approved.stderr)")
            let finished = try await waiting.value
            #expect(finished.status == 0, "\(finished.stderr)")
            let chainFile = node.appending(path: "certificates/chain.pem")
            let chain = try Certificate.chain(pemEncoded: try String(contentsOf: chainFile, encoding: .utf8))
            #expect(chain.count == 3 && chain[0].cordaRole == .nodeCA && chain[0].publicKey == key.publicKey)
            let keyMode = try FileManager.default.attributesOfItem(atPath: node.appending(path: "certificates/private-key.pem").path)
            #expect((keyMode[.posixPermissions] as? Int) == 0o600)
            try Data(try chain[0].pemRepresentation.utf8).write(to: directory.path("leaf.pem"))
            try Data(try chain[1].pemRepresentation.utf8).write(to: directory.path("doorman.pem"))
            let verify = try Tool.openssl(["verify", "-CAfile", root, "-untrusted", "doorman.pem", "leaf.pem"], in: directory.url)
            #expect(verify.status == 0, "\(verify.output)")

            // A second node gives up waiting; its id stays on disk.
            let bob = directory.path("bob")
            let gaveUp = try await P2PBinary.run([
                "doorman", "request", "--url", server.url, "--name", "O=Bob Corp, L=London, C=GB", "--home", bob.path,
                "--root", root, "--timeout", "1",
            ])
            #expect(gaveUp.status != 0 && gaveUp.stderr.contains("timed out"), "\(gaveUp.stderr)")
            let idFile = bob.appending(path: "certificates/certificate-request-id.txt")
            let bobID = try String(contentsOf: idFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)

            // The doorman restarts; the operator approves the stored request; the node resumes it.
            await server.stop()
            server = try await ServeProcess(home: home, policy: "manual")
            #expect(try await P2PBinary.run(["doorman", "approve", bobID, "--home", home.path]).status == 0)
            let resumed = try await P2PBinary.run([
                "doorman", "request", "--url", server.url, "--name", "O=Bob Corp, L=London, C=GB", "--home", bob.path,
                "--root", root, "--timeout", "20",
            ])
            #expect(resumed.status == 0, "\(resumed.stderr)")
            #expect(resumed.stdout.contains("resuming request \(bobID)"))
            #expect(!FileManager.default.fileExists(atPath: idFile.path))

            // Rejected by the operator: the node is told why and forgets the id.
            let carol = directory.path("carol")
            let refused = startRequest([
                "--url", server.url, "--name", "O=Carol Corp, L=London, C=GB", "--home", carol.path, "--root", root,
                "--timeout", "30",
            ])
            var carolID: String?
            for _ in 0..<200 where carolID == nil {
                carolID = try? String(contentsOf: carol.appending(path: "certificates/certificate-request-id.txt"), encoding: .utf8)
                    .trimmingCharacters(in: .whitespacesAndNewlines)
                if carolID == nil { try await Task.sleep(for: .milliseconds(50)) }
            }
            let rejected = try await P2PBinary.run([
                "doorman", "reject", try #require(carolID), "--reason", "Carol is unknown", "--home", home.path,
            ])
            #expect(rejected.status == 0, "\(rejected.stderr)")
            let told = try await refused.value
            #expect(told.status != 0 && told.stderr.contains("Carol is unknown"), "\(told.stderr)")
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    @Test func autoApprovalEndToEndAndADuplicateNameIsRejected() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let home = directory.path("doorman")
        #expect(try await P2PBinary.run(["doorman", "init", "--home", home.path]).status == 0)
        let root = home.appending(path: "root-certificate.pem").path
        let server = try await ServeProcess(home: home, policy: "auto")
        do {
            let first = try await P2PBinary.run([
                "doorman", "request", "--url", server.url, "--name", "O=Alice Corp, L=London, C=GB", "--home",
                directory.path("alice").path, "--root", root, "--role", "tls", "--dns", "alice.example", "--timeout", "20",
            ])
            #expect(first.status == 0, "\(first.stderr)")
            let chain = try Certificate.chain(
                pemEncoded: try String(contentsOf: directory.path("alice/certificates/chain.pem"), encoding: .utf8))
            #expect(chain[0].cordaRole == .tls && chain[0].dnsNames == ["alice.example"])

            let thief = try await P2PBinary.run([
                "doorman", "request", "--url", server.url, "--name", "O=Alice Corp, L=London, C=GB", "--home",
                directory.path("mallory").path, "--root", root, "--timeout", "20",
            ])
            #expect(thief.status != 0 && thief.stderr.contains("already issued to another key"), "\(thief.stderr)")
            let listed = try await P2PBinary.run(["doorman", "list", "--all", "--home", home.path]).stdout
            #expect(listed.contains("approved") && listed.contains("rejected"), "\(listed)")
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }
}
