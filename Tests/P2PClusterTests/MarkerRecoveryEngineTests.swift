import P2PBus
import P2PIdentity
import P2PLinkManager
import P2PLinkManagerService
import Testing

/// Sender-side recovery from `p2p.out.markers.state` (`docs/distributed.md`, "Sender-side
/// recovery"): the engine pair with injected time; Alice's marker state is the table her engines'
/// outputs leave behind, and a "crash" replaces her engine by a fresh one.
@Suite("Link-manager engine: marker state and recovery")
struct MarkerRecoveryEngineTests {
    @Test func aCrashedSendersMessagesAreRecoveredFromTheMarkerStateAndDeliveredOnce() async throws {
        let pair = try await EnginePair()
        // Sessions come up, but no data frame of the first Alice gets through before she dies.
        pair.drop = { sender, frame in sender == "alice" && frame.type == .data }
        for n in 0..<4 { try pair.send(n, partition: 0) }
        for n in 4..<6 { try pair.send(n, partition: 1) }
        try pair.settle()
        #expect(pair.bobDeliveredIDs.isEmpty)
        #expect(pair.markerState.count == 6)
        #expect(pair.markerEntries(partition: 0).count == 4 && pair.markerEntries(partition: 1).count == 2)
        #expect(pair.markerPartitions["m-0"] == [0] && pair.markerPartitions["m-5"] == [1])
        let statesBefore = pair.markerState

        // Alice's link manager dies; a new instance takes both p2p.out partitions.
        let recovered = try pair.makeAliceEngine()
        pair.alice = recovered
        #expect(recovered.assignOutbound([1, 0], now: pair.now) == [0, 1])
        recovered.recover(partition: 0, entries: pair.markerEntries(partition: 0), now: pair.now)
        recovered.recover(partition: 1, entries: pair.markerEntries(partition: 1), now: pair.now)
        #expect(recovered.trackedCount == 6 && recovered.counters.markersRecovered == 6)
        // No second sent marker and no state write: the state already holds them.
        #expect(recovered.drain().isEmpty)
        #expect(pair.markerState == statesBefore)

        pair.drop = { _, _ in false }
        try pair.advance(by: 1_100)
        #expect(pair.bobDeliveredIDs.sorted() == (0..<6).map { "m-\($0)" })
        #expect(pair.statuses["alice"]?.count == 6 && pair.statuses["alice"]?.allSatisfy { $0.status == .delivered } == true)
        #expect(pair.markerState.isEmpty)
        #expect(recovered.trackedCount == 0)
        // Loading the (now empty) state again recovers nothing.
        #expect(recovered.assignOutbound([], now: pair.now).isEmpty)
        #expect(recovered.assignOutbound([0], now: pair.now) == [0])
        recovered.recover(partition: 0, entries: pair.markerEntries(partition: 0), now: pair.now)
        #expect(recovered.trackedCount == 0)
        await pair.close()
    }

    @Test func aRecoveredMessageWhoseTTLPassedGetsOneExpiredStatus() async throws {
        let pair = try await EnginePair()
        pair.drop = { sender, frame in sender == "alice" && frame.type == .data }
        try pair.send(0, ttlIn: 2_000, partition: 1)
        try pair.send(1, ttlIn: 60_000, partition: 1)
        try pair.settle()
        // Alice dies and nobody owns the partition for 5 s.
        pair.now += 5_000
        let recovered = try pair.makeAliceEngine()
        pair.alice = recovered
        #expect(recovered.assignOutbound([1], now: pair.now) == [1])
        recovered.recover(partition: 1, entries: pair.markerEntries(partition: 1), now: pair.now)
        #expect(recovered.trackedCount == 1)
        _ = pair.collect("alice", recovered.drain())
        #expect(pair.statuses["alice"]?.map(\.status) == [.expired])
        #expect(pair.statuses["alice"]?.first?.messageID.value == "m-0")
        #expect(pair.markerState.count == 1)
        // The next owner finds only the unexpired message: no second expired status.
        let next = try pair.makeAliceEngine()
        #expect(next.assignOutbound([1], now: pair.now) == [1])
        next.recover(partition: 1, entries: pair.markerEntries(partition: 1), now: pair.now)
        _ = pair.collect("alice", next.drain())
        #expect(next.trackedCount == 1)
        #expect(pair.statuses["alice"]?.count == 1)
        await pair.close()
    }

    @Test func partitionsTakenAwayAreReleasedWithoutMarkersStatusesOrStateChanges() async throws {
        let pair = try await EnginePair()
        #expect(pair.alice.assignOutbound([0, 1], now: pair.now) == [0, 1])
        pair.alice.recover(partition: 0, entries: [], now: pair.now)
        pair.alice.recover(partition: 1, entries: [], now: pair.now)
        pair.drop = { sender, frame in sender == "alice" && frame.type == .data }
        for n in 0..<3 { try pair.send(n, partition: 0) }
        for n in 3..<5 { try pair.send(n, partition: 1) }
        try pair.settle()
        #expect(pair.alice.trackedCount == 5)

        // Partition 1 moves to a second instance.
        #expect(pair.alice.assignOutbound([0], now: pair.now).isEmpty)
        #expect(pair.alice.drain().isEmpty)
        #expect(pair.alice.trackedCount == 3 && pair.alice.counters.markersReleased == 2)
        // A record of partition 1 polled before the change is left for the new owner.
        try pair.send(9, partition: 1, accepted: false)
        #expect(pair.alice.trackedCount == 3 && pair.alice.drain().isEmpty)
        #expect(pair.markerState.count == 5)
        let second = try pair.makeAliceEngine()
        #expect(second.assignOutbound([1], now: pair.now) == [1])
        second.recover(partition: 1, entries: pair.markerEntries(partition: 1), now: pair.now)
        #expect(second.trackedCount == 2)
        // State of a partition the engine does not own is ignored.
        second.recover(partition: 0, entries: pair.markerEntries(partition: 0), now: pair.now)
        #expect(second.trackedCount == 2)

        // The first instance delivers only its own partition's messages; none of the released replays.
        pair.drop = { _, _ in false }
        try pair.advance(by: 1_100)
        #expect(pair.bobDeliveredIDs.sorted() == ["m-0", "m-1", "m-2"])
        #expect(pair.statuses["alice"]?.count == 3)
        #expect(Set(pair.markerState.keys) == Set(pair.markerEntries(partition: 1).map(\.key)))
        // Taking partition 1 back loads it again.
        #expect(pair.alice.assignOutbound([0, 1], now: pair.now) == [1])
        await pair.close()
    }

    @Test func aRecoveredCopyOfADeliveredMessageIsNotDeliveredTwice() async throws {
        let pair = try await EnginePair()
        // Bob delivers, but his acknowledgements are lost with the first Alice.
        pair.drop = { sender, frame in sender == "bob" && frame.type == .ack }
        for n in 0..<3 { try pair.send(n) }
        try pair.settle()
        #expect(pair.bobDeliveredIDs.count == 3)
        let recovered = try pair.makeAliceEngine()
        pair.alice = recovered
        #expect(recovered.assignOutbound([0], now: pair.now) == [0])
        recovered.recover(partition: 0, entries: pair.markerEntries(partition: 0), now: pair.now)
        pair.drop = { _, _ in false }
        try pair.advance(by: 1_100)
        #expect(pair.bobDeliveredIDs.count == 3)
        #expect(pair.bob.counters.duplicatesDropped == 3)
        #expect(pair.statuses["alice"]?.count == 3)
        #expect(pair.markerState.isEmpty)
        await pair.close()
    }

    @Test func markerStateKeysNameThePartitionAndStayValidTableKeys() throws {
        let source = try makeIdentity()
        let key = LinkManagerEngine.markerStateKey(partition: 7, source: source, messageID: try MessageID("a message id with spaces/and:colons"))
        #expect(key.hasPrefix("p7.") && key.utf8.count == 3 + 64)
        try TableSpec.validateKey(key)
        #expect(key != LinkManagerEngine.markerStateKey(partition: 6, source: source, messageID: try MessageID("a message id with spaces/and:colons")))
    }

    private func makeIdentity() throws -> HoldingIdentity {
        HoldingIdentity(name: try X500Name("O=Alice Corp, L=London, C=GB"), groupID: try GroupID("group-1"))
    }
}
