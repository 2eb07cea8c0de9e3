import Foundation
import P2PBus
import P2PCluster
import P2PGateway
import P2PIdentity
import P2PLinkManager
import P2PLinkManagerService
import P2PMembership
import P2PSetup
import Testing

/// A new gateway configuration published on the bus (as `p2p setup config-gateway` does) to a running
/// embedded cluster, over HTTPS on loopback with a real CA (`docs/gateway.md` §10).
@Suite("Gateway configuration changes on a running cluster", .serialized)
struct GatewayLiveConfigurationTests {
    typealias E = EmbeddedClusterTests

    /// Alice's and Bob's clusters, each with an application, and the CA's certificate in a file for curl.
    struct Pair {
        let network: DemoNetwork
        let alice: EmbeddedCluster
        let bob: EmbeddedCluster
        let aliceApp: ClusterApplication
        let bobApp: ClusterApplication
        let caFile: URL

        static func start() async throws -> Pair {
            let network = try E.aliceAndBob()
            let (alice, aliceApp) = try await E.start(network, 0, app: "alice")
            let (bob, bobApp) = try await E.start(network, 1, app: "bob")
            let caFile = FileManager.default.temporaryDirectory.appendingPathComponent("p2p-live-ca-\(UUID().uuidString).pem")
            try Data(network.rootCertificatePEM.utf8).write(to: caFile)
            return Pair(network: network, alice: alice, bob: bob, aliceApp: aliceApp, bobApp: bobApp, caFile: caFile)
        }

        func stop() async {
            await aliceApp.close()
            await bobApp.close()
            await alice.stop()
            await bob.stop()
            try? FileManager.default.removeItem(at: caFile)
        }

        /// Sends messages `range` from Alice to Bob and waits (bounded) until Bob received them and Alice
        /// has their statuses; returns what Bob received, including any late duplicate.
        func deliver(_ range: Range<Int>) async throws -> (ids: [String], statuses: [DeliveryStatus]) {
            let (alice, bob) = (network.identities[0][0], network.identities[1][0])
            let ttl = LinkManagerService.wallClock() + 60_000
            for n in range {
                _ = try await aliceApp.send(try E.message(n, from: alice, to: bob, ttl: ttl), key: Array("k-\(n)".utf8)).accepted()
            }
            let received = try await E.collect(poll: { try await bobApp.receive(timeout: .milliseconds(100)) }) {
                $0.count >= range.count
            }
            let statuses = try await E.collect(poll: { try await aliceApp.statuses(timeout: .milliseconds(100)) }) {
                $0.count >= range.count
            }
            let extra = try await bobApp.receive(timeout: .milliseconds(300))
            return ((received + extra).map(\.messageID.value), statuses)
        }

        /// POSTs `size` bytes of junk to Bob's gateway on `port` with curl; the HTTP code, or curl's
        /// failure (exit status) when it got no response.
        func post(size: Int, port: Int) throws -> String {
            let body = FileManager.default.temporaryDirectory.appendingPathComponent("p2p-live-body-\(UUID().uuidString)")
            try Data(repeating: 0x41, count: size).write(to: body)
            defer { try? FileManager.default.removeItem(at: body) }
            let (status, output) = try E.curl([
                "--cacert", caFile.path, "-H", "Content-Type: \(GatewayHTTP.contentType)", "-H", "Expect:",
                "--data-binary", "@\(body.path)", "https://127.0.0.1:\(port)/gateway/send",
            ])
            return status == 0 ? output : "curl exit \(status)"
        }

        /// Changes Bob's member record on both buses (as `p2p setup add-member` does) to name `ports`.
        func setBobEndpoints(ports: [Int]) async throws {
            let bob = network.identities[1][0]
            let record = try #require(alice.directory.members.records.values.first { $0.holdingIdentity == bob })
            for cluster in [alice, self.bob] {
                _ = try await NetworkSetup(bus: cluster.bus).addMember(
                    MemberInput(
                        x500Name: bob.name.description, groupId: bob.groupID.description,
                        endpoints: ports.map { "https://127.0.0.1:\($0)" }, sessionPublicKeys: record.sessionPublicKeys))
            }
        }

        /// Publishes Bob's gateway configuration changed by `change`, as `p2p setup config-gateway` does.
        func publishBobGateway(_ change: (inout GatewayConfiguration) -> Void) async throws {
            var configuration = bob.gateway.configuration
            change(&configuration)
            _ = try await NetworkSetup(bus: bob.bus).configureGateway(configuration)
        }
    }

    /// Polls `condition` every 20 ms for at most `limit`.
    static func eventually(_ limit: Duration = .seconds(10), _ condition: () async throws -> Bool) async rethrows -> Bool {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return try await condition()
    }

    static func expectExactlyOnce(_ delivered: (ids: [String], statuses: [DeliveryStatus]), _ range: Range<Int>) {
        #expect(delivered.ids.count == range.count)
        #expect(Set(delivered.ids) == Set(range.map { "m-\($0)" }))
        #expect(delivered.statuses.count == range.count && delivered.statuses.allSatisfy { $0.status == .delivered })
    }

    @Test func aLowerRequestSizeLimitRefusesLargerRequestsWhileMessagesFlow() async throws {
        let pair = try await Pair.start()
        do {
            Self.expectExactlyOnce(try await pair.deliver(0..<10), 0..<10)
            let port = pair.bob.port
            #expect(try pair.post(size: 100_000, port: port) == "400")  // under the 8 MiB default: read, not a batch

            try await pair.publishBobGateway { $0.maxRequestSizeBytes = 65_536 }
            #expect(await Self.eventually { pair.bob.gateway.configuration.maxRequestSizeBytes == 65_536 })
            #expect(try pair.post(size: 100_000, port: port) == "413")
            #expect(try pair.post(size: 2_000, port: port) == "400")
            Self.expectExactlyOnce(try await pair.deliver(10..<30), 10..<30)
            #expect(pair.bob.port == port)
            #expect(pair.bob.gateway.currentCounters.configurationsApplied == 1)
            #expect(pair.bob.gateway.currentCounters.listenersReplaced == 0)
        } catch {
            Issue.record(error)
        }
        await pair.stop()
    }

    @Test func aNewPortServesTheOldRefusesAndSessionsSurvive() async throws {
        let pair = try await Pair.start()
        do {
            Self.expectExactlyOnce(try await pair.deliver(0..<20), 0..<20)
            let handshakesBefore = (await pair.alice.linkManager.counters.handshakesCompleted, await pair.bob.linkManager.counters.handshakesCompleted)
            #expect(handshakesBefore.0 >= 1 && handshakesBefore.1 >= 1)
            let oldPort = pair.bob.port
            let newPort = try FreePort.find()

            // 1. Bob's member record names both endpoints, on both buses (peers fail over between them).
            try await pair.setBobEndpoints(ports: [oldPort, newPort])
            // 2. Bob's gateway moves to the new port while messages are on their way.
            let (alice, bob) = (pair.network.identities[0][0], pair.network.identities[1][0])
            let ttl = LinkManagerService.wallClock() + 60_000
            for n in 20..<40 {
                _ = try await pair.aliceApp.send(try E.message(n, from: alice, to: bob, ttl: ttl), key: Array("k-\(n)".utf8)).accepted()
            }
            try await pair.publishBobGateway { $0.hostPort = newPort }
            #expect(await Self.eventually { pair.bob.port == newPort })
            #expect(pair.bob.gateway.currentCounters.listenersReplaced == 1)
            #expect(try pair.post(size: 100, port: newPort) == "400")  // served
            #expect(try pair.post(size: 100, port: oldPort) == "curl exit 7")  // connection refused
            // 3. The old endpoint leaves the member record.
            try await pair.setBobEndpoints(ports: [newPort])
            let during = try await E.collect(poll: { try await pair.bobApp.receive(timeout: .milliseconds(100)) }) { $0.count >= 20 }
            let duringStatuses = try await E.collect(poll: { try await pair.aliceApp.statuses(timeout: .milliseconds(100)) }) {
                $0.count >= 20
            }
            let after = try await pair.deliver(40..<60)
            let ids = during.map(\.messageID.value) + after.ids
            Self.expectExactlyOnce((ids, duringStatuses + after.statuses), 20..<60)

            // No session was re-handshaken because of the gateway change.
            #expect(await pair.alice.linkManager.counters.handshakesCompleted == handshakesBefore.0)
            #expect(await pair.bob.linkManager.counters.handshakesCompleted == handshakesBefore.1)
        } catch {
            Issue.record(error)
        }
        await pair.stop()
    }

    @Test func anInvalidOrUnbindableConfigurationLeavesTheLastGoodOneInForce() async throws {
        let pair = try await Pair.start()
        do {
            Self.expectExactlyOnce(try await pair.deliver(0..<10), 0..<10)
            let good = pair.bob.gateway.configuration
            let port = pair.bob.port

            // Written by another tool (p2p setup validates first): out of bounds, rejected by the reader.
            let invalid = #"{"schemaVersion":1,"component":"p2p.gateway","configuration":{"hostPort":70000,"maxRequestSizeBytes":65536}}"#
            _ = try await pair.bob.bus.table(MembershipTables.configuration).put(GatewayConfiguration.configurationKey, Array(invalid.utf8))
            #expect(await Self.eventually { pair.bob.gateway.currentCounters.configurationsRejected == 1 })
            #expect(pair.bob.gateway.configuration == good)

            // Valid but unbindable (Alice's gateway holds the port): 721, nothing of it applied.
            try await pair.publishBobGateway {
                $0.hostPort = pair.alice.port
                $0.maxRequestSizeBytes = 65_536
            }
            #expect(await Self.eventually { pair.bob.gateway.currentCounters.configurationsFailed == 1 })
            #expect(pair.bob.gateway.lastReconfigurationError?.code == .listenerUnavailable)
            #expect(pair.bob.gateway.configuration == good)
            #expect(pair.bob.port == port)
            #expect(try pair.post(size: 100_000, port: port) == "400")  // the old limit, on the old listener
            Self.expectExactlyOnce(try await pair.deliver(10..<20), 10..<20)

            // A corrected configuration applies.
            try await pair.publishBobGateway { $0.maxRequestSizeBytes = 65_536 }
            #expect(await Self.eventually { pair.bob.gateway.configuration.maxRequestSizeBytes == 65_536 })
            #expect(pair.bob.gateway.lastReconfigurationError == nil)
            #expect(try pair.post(size: 100_000, port: port) == "413")
        } catch {
            Issue.record(error)
        }
        await pair.stop()
    }

    @Test func switchingToMutualTLSRefusesClientsWithoutACertificateAndKeepsSessions() async throws {
        let pair = try await Pair.start()
        do {
            Self.expectExactlyOnce(try await pair.deliver(0..<10), 0..<10)
            let handshakesBefore = (await pair.alice.linkManager.counters.handshakesCompleted, await pair.bob.linkManager.counters.handshakesCompleted)
            #expect(try pair.post(size: 100, port: pair.bob.port) == "400")  // one-way TLS: curl needs no certificate

            // Alice's client presents its certificate once asked; then Bob asks for one.
            for cluster in [pair.alice, pair.bob] {
                var configuration = cluster.gateway.configuration
                configuration.tlsType = .mutual
                _ = try await NetworkSetup(bus: cluster.bus).configureGateway(configuration)
                #expect(await Self.eventually { cluster.gateway.configuration.tlsType == .mutual })
            }
            #expect(try pair.post(size: 100, port: pair.bob.port).hasPrefix("curl exit"))  // refused by the handshake
            Self.expectExactlyOnce(try await pair.deliver(10..<30), 10..<30)
            #expect(pair.bob.gateway.currentCounters.listenersReplaced == 0)
            #expect(await pair.alice.linkManager.counters.handshakesCompleted == handshakesBefore.0)
            #expect(await pair.bob.linkManager.counters.handshakesCompleted == handshakesBefore.1)
        } catch {
            Issue.record(error)
        }
        await pair.stop()
    }

    /// The same port under another spelling of the loopback address: the new listener cannot be bound
    /// beside the old one, so the old one stops accepting first (`docs/gateway.md` §10).
    @Test func aNewHostOnTheSamePortTakesTheListenerOver() async throws {
        let pair = try await Pair.start()
        do {
            Self.expectExactlyOnce(try await pair.deliver(0..<10), 0..<10)
            let port = pair.bob.port
            try await pair.publishBobGateway { $0.hostAddress = "127.1" }
            #expect(await Self.eventually { pair.bob.gateway.currentCounters.listenersReplaced == 1 })
            #expect(pair.bob.gateway.configuration.hostAddress == "127.1")
            #expect(pair.bob.gateway.lastReconfigurationError == nil)
            #expect(pair.bob.port == port)
            #expect(try pair.post(size: 100, port: port) == "400")
            Self.expectExactlyOnce(try await pair.deliver(10..<20), 10..<20)
        } catch {
            Issue.record(error)
        }
        await pair.stop()
    }
}
