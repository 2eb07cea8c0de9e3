import P2PBus
import P2PCluster
import P2PIdentity
import P2PLinkManager
import P2PLinkManagerService
import P2PMembership
import Testing

/// `LinkManagerService` keeping and recovering the marker state on the in-process bus: Alice's
/// cluster with no gateway, so nothing is ever acknowledged and every message stays owed. Bounded
/// waits (polling the services' counters), no timed assertions.
@Suite("Link-manager service: marker state across instances on the in-process bus")
struct MarkerRecoveryServiceTests {
    static let waitLimit = Duration.seconds(10)

    /// Polls `condition` until it holds or the limit passes; returns its last value.
    static func eventually(_ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + waitLimit
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return try await condition()
    }

    /// The live keys of a table, read through a watch up to its catch-up.
    static func liveKeys(_ table: any BusTable) async throws -> Set<String> {
        let watch = try await table.watch()
        defer { watch.cancel() }
        var keys: Set<String> = []
        for await event in watch {
            switch event {
            case .put(let entry): keys.insert(entry.key)
            case .deleted(let key, _): keys.remove(key)
            case .caughtUp: return keys
            }
        }
        return keys
    }

    @Test func partitionsMovingBetweenInstancesCarryTheirOwedMessages() async throws {
        let network = try DemoNetwork.generate(
            clusters: [
                DemoNetwork.ClusterPlan(organisations: ["Alice Corp"], port: 1),
                DemoNetwork.ClusterPlan(organisations: ["Bob Corp"], port: 2),
            ],
            linkManager: LinkManagerConfiguration())
        let bus = try await EmbeddedCluster.prepareBus(networkFile: network.networkFiles[0], clusterKey: network.clusterKeys[0])
        let directory = try await MembershipDirectory(bus: bus, clusterKey: network.clusterKeys[0])
        try await directory.start()
        let configuration = LinkManagerConfiguration()
        let first = try await LinkManagerService(
            bus: bus, directory: directory, configuration: configuration, options: .init(memberID: "lm-1"))
        try await first.start()
        let app = try await ClusterApplication(bus: bus, name: "alice")
        let (source, destination) = (network.identities[0][0], network.identities[1][0])
        let count = 24
        for n in 0..<count {
            let message = AppMessage.authenticated(
                AuthenticatedMessage(
                    header: AuthenticatedMessageHeader(
                        destination: destination, source: source, ttl: LinkManagerService.wallClock() + 120_000,
                        messageID: try MessageID("m-\(n)")),
                    payload: [UInt8(n)]))
            _ = try await app.send(message, key: Array("k-\(n)".utf8)).accepted()
        }
        #expect(try await Self.eventually { await first.trackedCount == count })
        // One state entry per owed message, under the p2p.out partition of its record.
        let state = try await bus.table("p2p.out.markers.state")
        let partitions = try await bus.partitionCount(of: "p2p.out")
        let keys = try await Self.liveKeys(state)
        #expect(keys.count == count)
        let expected = try Set((0..<count).map { n in
            LinkManagerEngine.markerStateKey(
                partition: PartitionHasher.partition(forKey: Array("k-\(n)".utf8), partitions: partitions), source: source,
                messageID: try MessageID("m-\(n)"))
        })
        #expect(keys == expected)

        // A second instance joins: the partitions it takes are released by the first and recovered by it.
        let second = try await LinkManagerService(
            bus: bus, directory: directory, configuration: configuration, options: .init(memberID: "lm-2"))
        try await second.start()
        #expect(
            try await Self.eventually {
                let (a, b) = (await first.trackedCount, await second.trackedCount)
                return a + b == count && a > 0 && b > 0
            })
        #expect(await first.counters.markersReleased == second.counters.markersRecovered)
        #expect(await first.counters.markersReleased > 0)

        // The first leaves: the second owes everything; nothing was finished, so the state is unchanged.
        await first.stop()
        #expect(try await Self.eventually { await second.trackedCount == count })
        #expect(await second.counters.markersRecovered == count)
        #expect(await second.counters.statusesDelivered + second.counters.statusesExpired == 0)
        #expect(try await Self.liveKeys(state) == expected)
        await second.stop()
        await app.close()
        directory.stop()
        await bus.close()
    }
}
