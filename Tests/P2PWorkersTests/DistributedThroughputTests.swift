import Foundation
import P2PBus
import P2PBusJetStream
import P2PCluster
import P2PIdentity
import P2PLinkManager
import P2PLinkManagerService
import Testing

/// A measurement, not a check: runs only when `P2P_DISTRIBUTED_BENCH` names a message count
/// (PERFORMANCE.md, "Distributed workers", has the command). Alice's application sends that many
/// 1 KB authenticated messages (at `P2P_DISTRIBUTED_RATE` per second, or as fast as `p2p.out` takes
/// them when unset) through two clusters of worker processes; it prints throughput, latency
/// percentiles from each message's send time, lost and duplicate counts.
@Suite("Distributed workers throughput (measurement)", .serialized)
struct DistributedThroughputTests {
    static let environment = ProcessInfo.processInfo.environment
    static let messages = environment["P2P_DISTRIBUTED_BENCH"].flatMap { Int($0) }.map { min(max($0, 1), 100_000) }
    static let rate = environment["P2P_DISTRIBUTED_RATE"].flatMap { Int($0) }.map { min(max($0, 1), 100_000) }
    static let linkManagers = environment["P2P_DISTRIBUTED_LINK_MANAGERS"].flatMap { Int($0) }.map { min(max($0, 1), 8) } ?? 1
    static let payloadBytes = 1_024

    @Test(
        "throughput and latency of 1 KB messages through two clusters of worker processes",
        .enabled(if: messages != nil, "set P2P_DISTRIBUTED_BENCH=<messages> to measure"))
    func throughput() async throws {
        let count = try #require(Self.messages)
        let clusters = try await DistributedClusterTests.Clusters.start(
            aliceLinkManagers: Self.linkManagers, bobLinkManagers: Self.linkManagers)
        do {
            try await measure(clusters, count: count)
        } catch {
            await clusters.close()
            throw error
        }
        await clusters.close()
    }

    private func measure(_ clusters: DistributedClusterTests.Clusters, count: Int) async throws {
        let clock = ContinuousClock()
        let origin = clock.now
        func message(_ id: String) throws -> AppMessage {
            let payload = LatencyProbe.payload(size: Self.payloadBytes, intended: clock.now - origin)
            return .authenticated(
                AuthenticatedMessage(
                    header: AuthenticatedMessageHeader(
                        destination: clusters.to, source: clusters.from, ttl: LinkManagerService.wallClock() + 300_000,
                        messageID: try MessageID(id), subsystem: "bench"),
                    payload: payload))
        }
        // Warm-up: the sessions exist before the clock starts.
        _ = try await clusters.aliceApp.send(try message("warm-up"), key: Array("warm-up".utf8)).accepted()
        let warm = try await DistributedClusterTests.collect(poll: { try await clusters.bobApp.receive(timeout: .milliseconds(50)) }) {
            $0.contains { $0.messageID.value == "warm-up" }
        }
        try #require(warm.contains { $0.messageID.value == "warm-up" }, "no warm-up: \(clusters.outputs)")

        let receiver = clusters.bobApp!
        let receiving = Task { try await LatencyProbe.collect(from: receiver, count: count, origin: origin, timeout: .seconds(120)) }

        let start = clock.now
        var receipts: [PublishReceipt] = []
        for index in 0..<count {
            if let rate = Self.rate {
                let intended = start + .nanoseconds(1_000_000_000 / Int64(rate)) * index
                if intended > clock.now { try await clock.sleep(until: intended) }
            }
            receipts.append(try await clusters.aliceApp.send(try message("bench-\(index)"), key: Array("bench-\(index)".utf8)))
        }
        for receipt in receipts { _ = try await receipt.accepted() }
        let accepted = clock.now - start
        let result = try await receiving.value
        let delivered = result.latencies.count
        let elapsed = result.last - start
        func at(_ p: Double) -> String {
            guard !result.latencies.isEmpty else { return "-" }
            let value = result.latencies[min(result.latencies.count - 1, Int(Double(result.latencies.count) * p))]
            return String(format: "%.1f ms", Double(value.components.attoseconds) / 1e15 + Double(value.components.seconds) * 1e3)
        }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print(
            "distributed workers: \(count) × \(Self.payloadBytes) B, rate \(Self.rate.map(String.init) ?? "unpaced"), "
                + "\(Self.linkManagers) link manager(s) per cluster: delivered \(delivered), lost \(count - delivered), "
                + "duplicates \(result.duplicates), accepted by p2p.out in \(accepted), "
                + String(format: "throughput %.0f msg/s", Double(delivered) / max(seconds, 0.001))
                + ", p50 \(at(0.5)), p90 \(at(0.9)), p99 \(at(0.99)), max \(at(1.0))")
        #expect(delivered == count, "\(clusters.outputs)")
        #expect(result.duplicates == 0)
    }
}
