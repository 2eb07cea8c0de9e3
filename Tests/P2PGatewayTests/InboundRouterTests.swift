import NIOCore
import P2PBus
import P2PGateway
import P2PWire
import Testing

@Suite struct InboundRouterTests {
    typealias F = GatewayFixtures

    func route(_ frames: [LinkFrame], mapping: [SessionID: [Int]], seed: UInt64 = 1) -> InboundRouter.Routing {
        var generator = SeededGenerator(seed: seed)
        return InboundRouter.route(frames, nowMilliseconds: F.now, partitions: { mapping[$0] }, using: &generator)
    }

    @Test func sessionFramesGoToAPartitionOfTheOwningLinkManager() throws {
        let frames = try (1...50).map { try F.data(sequence: UInt64($0)) }
        let routing = route(frames, mapping: [F.known: [2, 5]])
        #expect(routing.frameStatuses.isEmpty)
        #expect(routing.records.count == 50)
        #expect(Set(routing.records.compactMap(\.partition)) == [2, 5])  // both used, nothing else
        #expect(routing.records.map(\.frameIndex) == Array(0..<50))
        #expect(routing.records[3].value == F.encoded(frames[3]))
    }

    @Test func initiatorHelloIsKeyedBySessionIDWithoutAMapping() throws {
        let session = SessionID(high: 0xAA, low: 0xBB)
        let routing = route([try F.hello(session)], mapping: [:])
        #expect(routing.frameStatuses.isEmpty)
        #expect(routing.records.first?.partition == nil)
        #expect(routing.records.first?.key == session.bytes)
        // A replayed hello, routed with other randomness, has the same key, so the same partition.
        let replay = try F.hello(session)
        #expect(route([replay], mapping: [:], seed: 9).records[0].key == session.bytes)
    }

    @Test func unknownOrEmptySessionsGetAPerFrameStatus() throws {
        let frames = [try F.data(F.unknown), try F.data(F.known), try F.data(SessionID(high: 3, low: 3))]
        let routing = route(frames, mapping: [F.known: [1], SessionID(high: 3, low: 3): []])
        #expect(routing.records.map(\.frameIndex) == [1])
        #expect(routing.frameStatuses == [.init(frameIndex: 0, .unknownSession), .init(frameIndex: 2, .unknownSession)])
    }

    @Test func unauthenticatedFramesGoAnywhereWithRandomKeys() throws {
        let frames = try (0..<64).map { _ in try F.unauthenticated() }
        let routing = route(frames, mapping: [:])
        #expect(routing.records.count == 64)
        #expect(routing.records.allSatisfy { $0.partition == nil && $0.key.count == InboundRouter.randomKeyLength })
        let partitions = Set(routing.records.map { PartitionHasher.partition(forKey: $0.key, partitions: 4) })
        #expect(partitions.count == 4)
    }

    @Test func expiredFramesAreDroppedWithAPerFrameStatus() throws {
        let frames = [
            try F.data(expiry: F.now - 1), try F.data(expiry: F.now + 1_000), try F.unauthenticated(expiry: F.now),
            try F.data(expiry: 0),
        ]
        let routing = route(frames, mapping: [F.known: [0]])
        #expect(routing.records.map(\.frameIndex) == [1, 3])
        #expect(routing.frameStatuses == [.init(frameIndex: 0, .frameExpired), .init(frameIndex: 2, .frameExpired)])
    }
}
