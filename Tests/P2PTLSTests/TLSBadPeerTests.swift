import Foundation
import NIOCore
import NIOPosix
import P2PTLS
import P2PX509
import Testing

/// Each bad peer fails its connection with a specific, logged reason, and the server goes on serving others.
@Suite("TLS bad peers")
struct TLSBadPeerTests {
    let credentials: TestCredentials
    let logs = CapturedLogs()

    init() throws { credentials = try TestCredentials() }

    func goodClientContext(identity: TLSIdentity? = nil) throws -> TLSContext {
        try TLSContext(
            role: .client,
            configuration: TLSConfiguration(identities: identity.map { [$0] } ?? [], trustRoots: [credentials.root]))
    }

    @Test("mutual TLS server: expired, untrusted and missing client certificates, plaintext HTTP, random bytes and a stalled handshake each fail with their own code")
    func serverSide() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let server = try await TestTLSServer(
            group: group,
            context: try TLSContext(
                role: .server,
                configuration: TLSConfiguration(
                    identities: [try credentials.identity(["server.example"])], trustRoots: [credentials.root],
                    clientAuthentication: .required, handshakeTimeout: .milliseconds(500))),
            logger: logs.logger)
        let good = try credentials.identity(["good.example"], serial: 20)
        let expired = try credentials.identity(
            ["expired.example"], serial: 21, validFrom: credentials.now.addingTimeInterval(-10 * 86_400), days: 2)
        let stranger = try TestCredentials(name: "Stranger Root").identity(["stranger.example"], serial: 22)

        // A stalled handshake is open while the others come and go.
        async let stalled = runRawClient(group: group, port: server.port, bytes: [])

        let cases: [(String, () async throws -> Void, TLSError.Code)] = [
            ("expired client certificate", {
                _ = try await runClient(group: group, context: try goodClientContext(identity: expired), hostname: "server.example", port: server.port, logger: logs.logger)
            }, .certificateExpired),
            ("client certificate from an untrusted root", {
                _ = try await runClient(group: group, context: try goodClientContext(identity: stranger), hostname: "server.example", port: server.port, logger: logs.logger)
            }, .untrustedCertificate),
            ("client without a certificate", {
                _ = try await runClient(group: group, context: try goodClientContext(), hostname: "server.example", port: server.port, logger: logs.logger)
            }, .peerCertificateRequired),
            ("plaintext HTTP", {
                _ = try await runRawClient(group: group, port: server.port, bytes: Array("GET / HTTP/1.1\r\nHost: server.example\r\n\r\n".utf8))
            }, .plaintextHTTP),
            ("random bytes", {
                var generator = SystemRandomNumberGenerator()
                var bytes = (0..<512).map { _ in UInt8.random(in: 0...255, using: &generator) }
                // A header that is not TLS (content type 0x42, version major 0x42): rejected at once. Random
                // bytes that happen to form a valid header with a long length would instead wait for the rest
                // of the record until the handshake timeout (tested below).
                bytes[0] = 0x42
                bytes[1] = 0x42
                _ = try await runRawClient(group: group, port: server.port, bytes: bytes)
            }, .notTLS),
        ]
        for (name, run, code) in cases {
            try await run()
            #expect(await server.waitForError(code), "\(name): got \(server.errors)")
            #expect(logs.contains("tls.error.code=\(code.rawValue)"), "\(name) was not logged")
            // The server still serves a good client.
            let served = try await runClient(
                group: group, context: try goodClientContext(identity: good), hostname: "server.example", port: server.port,
                logger: logs.logger)
            #expect(served.text.contains(TestTLSServer.body), "after \(name)")
        }
        #expect(try await stalled)  // the server closed the stalled connection
        #expect(await server.waitForError(.handshakeTimeout))
        #expect(logs.contains("tls.error.code=\(TLSError.Code.handshakeTimeout.rawValue)"))
        try await server.stop()
        try await group.shutdownGracefully()
    }

    @Test("client: wrong host name, untrusted root and an expired server certificate each fail with their own code")
    func clientSide() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let valid = try credentials.identity(["server.example"], serial: 30)
        let expired = try credentials.identity(
            ["server.example"], serial: 31, validFrom: credentials.now.addingTimeInterval(-10 * 86_400), days: 2)
        for (identity, hostname, trust, code) in [
            (valid, "mallory.example", credentials.root, TLSError.Code.hostnameMismatch),
            (valid, "server.example", try TestCredentials(name: "Other Root").root, .untrustedCertificate),
            (expired, "server.example", credentials.root, .certificateExpired),
        ] {
            let server = try await TestTLSServer(
                group: group, context: try TLSContext(role: .server, configuration: TLSConfiguration(identities: [identity])),
                logger: logs.logger)
            let client = try TLSContext(role: .client, configuration: TLSConfiguration(trustRoots: [trust]))
            let outcome = try await runClient(
                group: group, context: client, hostname: hostname, port: server.port, logger: logs.logger)
            #expect(outcome.errors.map(\.code) == [code])
            #expect(!outcome.text.contains(TestTLSServer.body))
            #expect(logs.contains("tls.error.code=\(code.rawValue)"))
            // The server saw our alert, and serves the next, correct client.
            #expect(await server.waitForError(.peerCertificateRejectedUs))
            if identity.leaf == valid.leaf {
                let served = try await runClient(
                    group: group, context: try goodClientContext(), hostname: "server.example", port: server.port,
                    logger: logs.logger)
                #expect(served.text.contains(TestTLSServer.body))
            }
            try await server.stop()
        }
        try await group.shutdownGracefully()
    }
}
