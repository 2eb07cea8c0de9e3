public import P2PLinkManagerService
import Prometheus

/// What a link manager reports at one instant: its counters and the size of its delivery tracker.
public struct LinkManagerSnapshot: Sendable, Hashable {
    public var counters: LinkManagerCounters
    /// Messages sent and not yet acknowledged nor expired.
    public var trackedCount: Int

    public init(counters: LinkManagerCounters = LinkManagerCounters(), trackedCount: Int = 0) {
        self.counters = counters
        self.trackedCount = trackedCount
    }
}

/// What a gateway reports at one instant (`GatewayService.Counters`, constructible here).
public struct GatewaySnapshot: Sendable, Hashable {
    public var framesSubmitted: Int
    public var framesFailed: Int
    public var framesRefused: Int
    public var malformedRecords: Int

    public init(framesSubmitted: Int = 0, framesFailed: Int = 0, framesRefused: Int = 0, malformedRecords: Int = 0) {
        self.framesSubmitted = framesSubmitted
        self.framesFailed = framesFailed
        self.framesRefused = framesRefused
        self.malformedRecords = malformedRecords
    }
}

/// One metric family a snapshot feeds: its name, help text, type, and how to read it.
struct MetricDefinition<Snapshot: Sendable>: Sendable {
    enum Kind: Sendable {
        case counter
        case gauge
    }

    /// The family's name without the `p2p_<subsystem>_` prefix and the `_total` of counters.
    let name: String
    let help: String
    let kind: Kind
    let value: @Sendable (Snapshot) -> Int

    /// The full name, e.g. `p2p_gateway_frames_failed_total`.
    func descriptor(subsystem: String) -> MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "p2p", subsystem: subsystem, metricName: name, unitName: kind == .counter ? "total" : "",
            helpText: help)
    }
}

extension LinkManagerSnapshot {
    /// The link manager's families, in the order of `docs/metrics.md`.
    static let metrics: [MetricDefinition<LinkManagerSnapshot>] = [
        .init(
            name: "delivered_to_applications", help: "Messages written to p2p.in.", kind: .counter,
            value: { $0.counters.deliveredToApplications }),
        .init(
            name: "duplicates_dropped", help: "Copies received again and not delivered.",
            kind: .counter, value: { $0.counters.duplicatesDropped }),
        .init(
            name: "expired_on_arrival", help: "Messages received after their TTL plus grace.",
            kind: .counter, value: { $0.counters.expiredOnArrival }),
        .init(
            name: "data_frames_sent", help: "Data frames published to link.out, replays included.",
            kind: .counter, value: { $0.counters.dataFramesSent }),
        .init(
            name: "replays", help: "Messages sent again for want of an acknowledgement.",
            kind: .counter, value: { $0.counters.replays }),
        .init(
            name: "handshakes_completed", help: "Session handshakes completed.", kind: .counter,
            value: { $0.counters.handshakesCompleted }),
        .init(
            name: "frames_rejected", help: "Link frames that failed to decode, open or validate.",
            kind: .counter, value: { $0.counters.framesRejected }),
        .init(
            name: "statuses_delivered", help: "Delivered statuses published.", kind: .counter,
            value: { $0.counters.statusesDelivered }),
        .init(
            name: "statuses_expired", help: "Expired statuses published.", kind: .counter,
            value: { $0.counters.statusesExpired }),
        .init(
            name: "malformed_records", help: "p2p.out records that were not application messages.",
            kind: .counter, value: { $0.counters.malformedRecords }),
        .init(
            name: "tracked_messages", help: "Messages sent and not yet acknowledged nor expired.",
            kind: .gauge, value: { $0.trackedCount }),
    ]
}

extension GatewaySnapshot {
    /// The gateway's families, in the order of `docs/metrics.md`.
    static let metrics: [MetricDefinition<GatewaySnapshot>] = [
        .init(
            name: "frames_submitted", help: "link.out frames handed to the outbound batcher.",
            kind: .counter, value: { $0.framesSubmitted }),
        .init(
            name: "frames_failed", help: "Frames of batches that failed; the link manager replays them.",
            kind: .counter, value: { $0.framesFailed }),
        .init(
            name: "frames_refused", help: "Frames a receiving gateway refused one by one.",
            kind: .counter, value: { $0.framesRefused }),
        .init(
            name: "malformed_records", help: "link.out records that did not decode.", kind: .counter,
            value: { $0.malformedRecords }),
    ]
}
