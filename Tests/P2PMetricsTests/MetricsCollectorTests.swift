import CoreMetrics
import P2PLinkManagerService
import P2PMetrics
import Synchronization
import Testing

/// A snapshot a test changes between scrapes.
final class SnapshotBox<Snapshot: Sendable>: Sendable {
    private let value: Mutex<Snapshot>
    init(_ value: Snapshot) { self.value = Mutex(value) }
    var current: Snapshot { value.withLock { $0 } }
    func update(_ change: (inout Snapshot) -> Void) { value.withLock { change(&$0) } }
}

@Suite("Metrics collector")
struct MetricsCollectorTests {
    static func text(_ collector: MetricsCollector) async -> String {
        String(decoding: await collector.scrape(), as: UTF8.self)
    }

    @Test func everyFamilyAppearsWithItsTypeAndMember() async throws {
        let collector = MetricsCollector()
        try collector.addLinkManager(member: "lm-a") { LinkManagerSnapshot() }
        try collector.addGateway(member: "gw-a") { GatewaySnapshot() }
        let text = await Self.text(collector)
        let counters = [
            "p2p_link_manager_delivered_to_applications_total", "p2p_link_manager_duplicates_dropped_total",
            "p2p_link_manager_expired_on_arrival_total", "p2p_link_manager_data_frames_sent_total",
            "p2p_link_manager_replays_total", "p2p_link_manager_handshakes_completed_total",
            "p2p_link_manager_frames_rejected_total", "p2p_link_manager_statuses_delivered_total",
            "p2p_link_manager_statuses_expired_total", "p2p_link_manager_malformed_records_total",
        ]
        for name in counters {
            #expect(text.contains("# TYPE \(name) counter\n"), "\(name)")
            #expect(text.contains("\(name){member=\"lm-a\"} 0\n"), "\(name)")
        }
        #expect(text.contains("# TYPE p2p_link_manager_tracked_messages gauge\n"))
        for name in [
            "p2p_gateway_frames_submitted_total", "p2p_gateway_frames_failed_total", "p2p_gateway_frames_refused_total",
            "p2p_gateway_malformed_records_total",
        ] {
            #expect(text.contains("# TYPE \(name) counter\n"), "\(name)")
            #expect(text.contains("\(name){member=\"gw-a\"} 0\n"), "\(name)")
        }
    }

    @Test func countersFollowTheSnapshotAndNeverGoBack() async throws {
        let box = SnapshotBox(LinkManagerSnapshot())
        let collector = MetricsCollector()
        try collector.addLinkManager(member: "lm-1") { box.current }
        box.update {
            $0.counters.deliveredToApplications = 7
            $0.trackedCount = 3
        }
        var text = await Self.text(collector)
        #expect(text.contains("p2p_link_manager_delivered_to_applications_total{member=\"lm-1\"} 7\n"))
        #expect(text.contains("p2p_link_manager_tracked_messages{member=\"lm-1\"} 3.0\n"))
        box.update {
            $0.counters.deliveredToApplications = 5  // an older reading: ignored
            $0.trackedCount = 1  // a gauge follows it
        }
        text = await Self.text(collector)
        #expect(text.contains("p2p_link_manager_delivered_to_applications_total{member=\"lm-1\"} 7\n"))
        #expect(text.contains("p2p_link_manager_tracked_messages{member=\"lm-1\"} 1.0\n"))
        box.update { $0.counters.deliveredToApplications = 12 }
        text = await Self.text(collector)
        #expect(text.contains("p2p_link_manager_delivered_to_applications_total{member=\"lm-1\"} 12\n"))
    }

    @Test func twoMembersAreTwoSeries() async throws {
        let collector = MetricsCollector()
        try collector.addGateway(member: "gw-1") { GatewaySnapshot(framesSubmitted: 4) }
        try collector.addGateway(member: "gw-2") { GatewaySnapshot(framesSubmitted: 9) }
        let text = await Self.text(collector)
        #expect(text.contains("p2p_gateway_frames_submitted_total{member=\"gw-1\"} 4\n"))
        #expect(text.contains("p2p_gateway_frames_submitted_total{member=\"gw-2\"} 9\n"))
    }

    @Test func registrationErrors() throws {
        let collector = MetricsCollector()
        try collector.addLinkManager(member: "lm-1") { LinkManagerSnapshot() }
        #expect(throws: MetricsError(.invalidState)) { try collector.addLinkManager(member: "lm-1") { LinkManagerSnapshot() } }
        // The same member may hold both roles.
        try collector.addGateway(member: "lm-1") { GatewaySnapshot() }
        #expect(throws: MetricsError(.invalidMember)) { try collector.addGateway(member: "") { GatewaySnapshot() } }
        let long = String(repeating: "m", count: MetricsCollector.maximumMemberLength + 1)
        #expect(throws: MetricsError(.invalidMember)) { try collector.addGateway(member: long) { GatewaySnapshot() } }
        for n in 2..<MetricsCollector.maximumSources {
            try collector.addGateway(member: "gw-\(n)") { GatewaySnapshot() }
        }
        #expect(throws: MetricsError(.invalidState)) { try collector.addGateway(member: "one-too-many") { GatewaySnapshot() } }
    }

    @Test func swiftMetricsThroughTheFactoryShareTheScrape() async throws {
        let collector = MetricsCollector()
        let counter = CoreMetrics.Counter(label: "p2p_test_events_total", dimensions: [], factory: collector.metricsFactory)
        counter.increment(by: 3)
        let text = await Self.text(collector)
        #expect(text.contains("p2p_test_events_total 3\n"))
    }
}
