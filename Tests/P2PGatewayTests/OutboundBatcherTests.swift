import NIOCore
import P2PGateway
import P2PWire
import Testing

@Suite struct OutboundBatcherTests {
    typealias F = GatewayFixtures
    let t0 = NIODeadline.uptimeNanoseconds(1_000_000)

    @Test func coalescesPerDestinationUpToTheFrameCount() throws {
        var batcher = OutboundBatcher<String>(limits: .init(maximumFrames: 3))
        #expect(batcher.add(try F.data(sequence: 1), for: "bob", now: t0).isEmpty)
        #expect(batcher.add(try F.data(sequence: 2), for: "carol", now: t0).isEmpty)
        #expect(batcher.add(try F.data(sequence: 3), for: "bob", now: t0).isEmpty)
        let ready = batcher.add(try F.data(sequence: 4), for: "bob", now: t0)
        #expect(ready.map(\.destination) == ["bob"])
        #expect(ready[0].frames.map(\.header.sequenceNumber) == [1, 3, 4])
        #expect(batcher.pendingDestinations == 1)
    }

    @Test func flushesBeforePassingTheByteBound() throws {
        let frame = try F.data(size: 100)
        var batcher = OutboundBatcher<String>(limits: .init(maximumBytes: frame.encodedLength * 2))
        #expect(batcher.add(frame, for: "bob", now: t0).isEmpty)
        #expect(batcher.add(frame, for: "bob", now: t0).isEmpty)
        #expect(batcher.add(frame, for: "bob", now: t0).map(\.frames.count) == [2])
        // A frame as large as the bound travels alone, at once.
        #expect(batcher.add(try F.data(size: 400), for: "carol", now: t0).map(\.frames.count) == [1])
    }

    @Test func flushesOnLatency() throws {
        var batcher = OutboundBatcher<String>(limits: .init(maximumLatency: .milliseconds(5)))
        _ = batcher.add(try F.data(), for: "bob", now: t0)
        _ = batcher.add(try F.data(), for: "carol", now: t0 + .milliseconds(3))
        #expect(batcher.nextDeadline == t0 + .milliseconds(5))
        #expect(batcher.tick(now: t0 + .milliseconds(4)).isEmpty)
        #expect(batcher.tick(now: t0 + .milliseconds(5)).map(\.destination) == ["bob"])
        #expect(batcher.flushAll().map(\.destination) == ["carol"])
        #expect(batcher.nextDeadline == nil)
    }

    @Test func destinationsAreBounded() throws {
        var batcher = OutboundBatcher<Int>(limits: .init(maximumDestinations: 2))
        _ = batcher.add(try F.data(), for: 1, now: t0)
        _ = batcher.add(try F.data(), for: 2, now: t0 + .milliseconds(1))
        #expect(batcher.add(try F.data(), for: 3, now: t0 + .milliseconds(2)).map(\.destination) == [1])
        #expect(batcher.pendingDestinations == 2)
    }
}
