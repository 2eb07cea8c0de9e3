import NIOPosix
import P2PTLS
import P2PX509
import Testing

@Suite("Trust roots per group")
struct TLSTrustGroupsTests {
    @Test("a client for group A reaches A's gateway and refuses B's; a mutual-TLS server accepts clients of both")
    func perGroup() async throws {
        let logs = CapturedLogs()
        let groupA = try TestCredentials(name: "Group A Root")
        let groupB = try TestCredentials(name: "Group B Root")
        let groups = try TLSTrustGroups(["group-a": [groupA.root], "group-b": [groupB.root]])
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let serverA = try await TestTLSServer(
            group: group,
            context: try TLSContext(
                role: .server,
                configuration: groups.serverConfiguration(
                    base: TLSConfiguration(identities: [try groupA.identity(["a.example"])], clientAuthentication: .required))),
            logger: logs.logger)
        let serverB = try await TestTLSServer(
            group: group,
            context: try TLSContext(
                role: .server, configuration: TLSConfiguration(identities: [try groupB.identity(["b.example"])])),
            logger: logs.logger)
        // Clients of both groups, each trusting only group A's roots for this connection.
        for member in [try groupA.identity(["m1.example"], serial: 7), try groupB.identity(["m2.example"], serial: 8)] {
            let client = try TLSContext(
                role: .client, configuration: try groups.clientConfiguration(for: "group-a", base: TLSConfiguration(identities: [member])))
            let toA = try await runClient(group: group, context: client, hostname: "a.example", port: serverA.port, logger: logs.logger)
            #expect(toA.text.contains(TestTLSServer.body), "\(toA.errors)")
            let toB = try await runClient(group: group, context: client, hostname: "b.example", port: serverB.port, logger: logs.logger)
            #expect(toB.errors.map(\.code) == [.untrustedCertificate])
        }
        #expect(throws: TLSError(.invalidConfiguration)) {
            try groups.clientConfiguration(for: "group-c", base: TLSConfiguration())
        }
        try await serverA.stop()
        try await serverB.stop()
        try await group.shutdownGracefully()
    }
}
