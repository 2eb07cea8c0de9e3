import Foundation
import NIOCore
import NIOPosix
import P2PTLS
import P2PX509
import Testing

/// Our handler against real foreign peers: `openssl s_client`, `curl`, `openssl s_server`.
@Suite("TLS interop with openssl and curl")
struct TLSInteropTests {
    let credentials: TestCredentials
    let alice: TLSIdentity  // ECDSA P-256
    let bob: TLSIdentity  // RSA-2048
    let clientIdentity: TLSIdentity
    let logs = CapturedLogs()

    init() throws {
        credentials = try TestCredentials()
        alice = try credentials.identity(["alice.example", "127.0.0.1"], serial: 10)
        bob = try credentials.identity(["bob.example"], algorithm: .rsa(bits: 2048), serial: 11)
        clientIdentity = try credentials.identity(["client.example"], serial: 12)
    }

    func withServer(
        mutual: Bool = false, minimumVersion: TLSVersion = .tls13,
        _ body: (TestTLSServer, MultiThreadedEventLoopGroup, ScratchDirectory) async throws -> Void
    ) async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let scratch = try ScratchDirectory()
        let context = try TLSContext(
            role: .server,
            configuration: TLSConfiguration(
                identities: [alice, bob], trustRoots: mutual ? [credentials.root] : [], minimumVersion: minimumVersion,
                clientAuthentication: mutual ? .required : .none))
        let server = try await TestTLSServer(group: group, context: context, logger: logs.logger)
        do {
            try await body(server, group, scratch)
        } catch {
            try? await server.stop()
            scratch.remove()
            try? await group.shutdownGracefully()
            throw error
        }
        try await server.stop()
        scratch.remove()
        try await group.shutdownGracefully()
    }

    func sClient(port: Int, serverName: String, root: String, extra: [String] = []) async throws -> (status: Int32, output: String) {
        try await ForeignProcess.run(
            "/usr/bin/openssl",
            [
                "s_client", "-connect", "127.0.0.1:\(port)", "-servername", serverName, "-verify_hostname", serverName,
                "-CAfile", root, "-verify_return_error", "-ign_eof", "-brief",
            ] + extra,
            input: "GET / HTTP/1.1\r\nHost: \(serverName)\r\nConnection: close\r\n\r\n")
    }

    @Test("openssl s_client gets the SNI-selected certificate (ECDSA and RSA) and an HTTP answer over TLS 1.3")
    func sClientToOurServer() async throws {
        try await withServer { server, _, scratch in
            let files = try credentials.writeFiles(nil, in: scratch.url, prefix: "ca")
            for (name, algorithm) in [("alice.example", "ECDSA"), ("bob.example", "RSA")] {
                let result = try await sClient(port: server.port, serverName: name, root: files.root)
                #expect(result.status == 0, "\(result.output)")
                #expect(result.output.contains("Verification: OK"))
                #expect(result.output.contains("Protocol version: TLSv1.3"))
                #expect(result.output.contains("CN = \(name)"))
                #expect(result.output.contains(algorithm == "RSA" ? "RSA" : "ECDSA") || result.output.contains("rsa_pss"))
                #expect(result.output.contains(TestTLSServer.body))
            }
        }
    }

    @Test("curl --cacert fetches an HTTP/1.1 response from our server, with and without a client certificate")
    func curlToOurServer() async throws {
        for mutual in [false, true] {
            try await withServer(mutual: mutual) { server, _, scratch in
                let files = try credentials.writeFiles(clientIdentity, in: scratch.url, prefix: "client")
                var arguments = [
                    "-sS", "--max-time", "10", "--cacert", files.root, "--resolve",
                    "alice.example:\(server.port):127.0.0.1", "https://alice.example:\(server.port)/",
                ]
                if mutual { arguments += ["--cert", files.cert, "--key", files.key] }
                let result = try await ForeignProcess.run("/usr/bin/curl", arguments)
                #expect(result.status == 0, "\(result.output)")
                #expect(result.output == TestTLSServer.body)
            }
        }
    }

    @Test("under mutual TLS, openssl s_client with a certificate is served and without one is refused")
    func sClientMutual() async throws {
        try await withServer(mutual: true) { server, group, scratch in
            let files = try credentials.writeFiles(clientIdentity, in: scratch.url, prefix: "client")
            let with = try await sClient(
                port: server.port, serverName: "alice.example", root: files.root, extra: ["-cert", files.cert, "-key", files.key])
            #expect(with.status == 0, "\(with.output)")
            #expect(with.output.contains(TestTLSServer.body))
            let without = try await sClient(port: server.port, serverName: "alice.example", root: files.root)
            #expect(!without.output.contains(TestTLSServer.body))
            #expect(await server.waitForError(.peerCertificateRequired))
            #expect(logs.contains("tls.error.code=447"))
        }
    }

    @Test("TLS 1.2 is refused by default and accepted when configured")
    func tls12() async throws {
        try await withServer { server, _, scratch in
            let files = try credentials.writeFiles(nil, in: scratch.url, prefix: "ca")
            let result = try await sClient(port: server.port, serverName: "alice.example", root: files.root, extra: ["-tls1_2"])
            #expect(result.status != 0)
            #expect(await server.waitForError(.protocolVersion))
        }
        try await withServer(minimumVersion: .tls12) { server, _, scratch in
            let files = try credentials.writeFiles(nil, in: scratch.url, prefix: "ca")
            let result = try await sClient(port: server.port, serverName: "alice.example", root: files.root, extra: ["-tls1_2"])
            #expect(result.status == 0, "\(result.output)")
            #expect(result.output.contains("Protocol version: TLSv1.2"))
            #expect(result.output.contains(TestTLSServer.body))
        }
    }

    /// Starts `openssl s_server -www` on a free loopback port and returns it with the port.
    func sServer(_ files: (root: String, cert: String, key: String), mutual: Bool) async throws -> (ForeignProcess, Int) {
        var arguments = ["s_server", "-accept", "127.0.0.1:0", "-cert", files.cert, "-key", files.key, "-www", "-naccept", "4"]
        if mutual { arguments += ["-Verify", "2", "-CAfile", files.root, "-verify_return_error"] }
        let server = try ForeignProcess("/usr/bin/openssl", arguments, keepInputOpen: true)
        guard await server.waitForOutput(containing: "ACCEPT") else {
            server.stop()
            throw TLSError(.handshakeFailed, "s_server did not start: \(server.text)")
        }
        let line = server.text.split(separator: "\n").first { $0.hasPrefix("ACCEPT") } ?? ""
        guard let port = line.split(separator: ":").last.flatMap({ Int($0.trimmingCharacters(in: .whitespaces)) }) else {
            server.stop()
            throw TLSError(.handshakeFailed, "no port in \(line)")
        }
        return (server, port)
    }

    @Test("our client talks to openssl s_server -www, with and without mutual TLS")
    func ourClientToSServer() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let serverFiles = try credentials.writeFiles(alice, in: scratch.url, prefix: "server")
        for mutual in [false, true] {
            let (server, port) = try await sServer(serverFiles, mutual: mutual)
            defer { server.stop() }
            let context = try TLSContext(
                role: .client,
                configuration: TLSConfiguration(identities: mutual ? [clientIdentity] : [], trustRoots: [credentials.root]))
            let outcome = try await runClient(
                group: group, context: context, hostname: "alice.example", port: port, logger: logs.logger,
                request: "GET / HTTP/1.0\r\n\r\n")
            #expect(outcome.recorder.events.contains("shutdownCompleted"))
            #expect(outcome.errors.isEmpty)
            #expect(outcome.recorder.handshakeCompleted)
            #expect(outcome.text.contains("HTTP/1.0 200 ok"), "\(outcome.text.prefix(200))")
            #expect(outcome.text.contains("TLSv1.3"))
            if mutual {
                // s_server -www reports the client certificate it verified.
                #expect(outcome.text.contains("client.example"))
                let anonymous = try TLSContext(role: .client, configuration: TLSConfiguration(trustRoots: [credentials.root]))
                let refused = try await runClient(
                    group: group, context: anonymous, hostname: "alice.example", port: port, logger: logs.logger,
                    request: "GET / HTTP/1.0\r\n\r\n")
                #expect(!refused.text.contains("200 ok"))
                #expect(refused.errors.map(\.code).contains(.peerCertificateRejectedUs), "\(refused.errors)")
            }
        }
        try await group.shutdownGracefully()
    }
}
