import P2PCluster
import P2PLinkManagerService
import P2PMembership
import P2PSetup
import Testing

/// A new link-manager configuration published on the bus (as `p2p setup config-link-manager` does) to running
/// embedded clusters over HTTPS (`docs/link-manager.md` §8): sessions are kept, pools resized, nothing lost.
@Suite("Link-manager configuration changes on a running cluster", .serialized)
struct LinkManagerLiveConfigurationTests {
    typealias Live = GatewayLiveConfigurationTests

    @Test func moreThenFewerSessionsPerPeerKeepDeliveringExactlyOnce() async throws {
        let pair = try await Live.Pair.start()
        do {
            Live.expectExactlyOnce(try await pair.deliver(0..<10), 0..<10)
            let alice = pair.alice.linkManager
            let sessionsBefore = await alice.outboundSessionCount
            let handshakesBefore = await alice.counters.handshakesCompleted
            let configured = await alice.configuration.sessionsPerPeer
            #expect(sessionsBefore == configured)

            // Two more sessions per peer: exactly two new handshakes, the existing sessions stay.
            var more = await alice.configuration
            more.sessionsPerPeer = configured + 2
            _ = try await NetworkSetup(bus: pair.alice.bus).configureLinkManager(more)
            #expect(await Live.eventually { await alice.counters.handshakesCompleted == handshakesBefore + 2 })
            #expect(await alice.outboundSessionCount == configured + 2)
            Live.expectExactlyOnce(try await pair.deliver(10..<30), 10..<30)

            // Down to one: the surplus is closed at once, traffic goes on over the session left.
            var fewer = more
            fewer.sessionsPerPeer = 1
            _ = try await NetworkSetup(bus: pair.alice.bus).configureLinkManager(fewer)
            #expect(await Live.eventually { await alice.outboundSessionCount == 1 })
            Live.expectExactlyOnce(try await pair.deliver(30..<50), 30..<50)
            #expect(await alice.counters.handshakesCompleted == handshakesBefore + 2)
            #expect(await alice.configuration == fewer)
        } catch {
            Issue.record(error)
        }
        await pair.stop()
    }
}
