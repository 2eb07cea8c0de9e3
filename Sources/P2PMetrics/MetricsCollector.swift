public import CoreMetrics
public import Prometheus
import Synchronization

/// Turns the services' counter snapshots into Prometheus metrics, read at scrape time (pull model).
///
/// Each registered source is read on every ``scrape()``; its counters are advanced to the snapshot's
/// values (never backwards) and its gauges set, then the registry is rendered in the text exposition
/// format. Every metric carries the label `member` (`docs/metrics.md`).
public final class MetricsCollector: Sendable {
    /// Sources at most (each adds one time series per family).
    public static let maximumSources = 64
    /// A member label holds this many UTF-8 bytes at most.
    public static let maximumMemberLength = 128
    /// The label naming the instance a series belongs to.
    public static let memberLabel = "member"

    /// The registry the metrics live in; other Prometheus metrics may be added to it.
    public let registry: PrometheusCollectorRegistry
    private let sources = Mutex<[Source]>([])

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
    }

    /// A swift-metrics factory over the same registry: metrics made through it (for instance after
    /// `MetricsSystem.bootstrap(collector.metricsFactory)`) appear in the same scrape.
    public var metricsFactory: any MetricsFactory { PrometheusMetricsFactory(registry: registry) }

    /// Registers a link manager read by `read` on every scrape.
    public func addLinkManager(
        member: String, read: @escaping @Sendable () async -> LinkManagerSnapshot
    ) throws(MetricsError) {
        try add(subsystem: "link_manager", member: member, definitions: LinkManagerSnapshot.metrics, read: read)
    }

    /// Registers a gateway read by `read` on every scrape.
    public func addGateway(member: String, read: @escaping @Sendable () async -> GatewaySnapshot) throws(MetricsError) {
        try add(subsystem: "gateway", member: member, definitions: GatewaySnapshot.metrics, read: read)
    }

    /// Reads every source, updates the metrics and renders the exposition (UTF-8).
    public func scrape() async -> [UInt8] {
        let current = sources.withLock { $0 }
        for source in current { await source.refresh() }
        return registry.emitToBuffer()
    }

    private func add<Snapshot: Sendable>(
        subsystem: String, member: String, definitions: [MetricDefinition<Snapshot>],
        read: @escaping @Sendable () async -> Snapshot
    ) throws(MetricsError) {
        guard !member.isEmpty, member.utf8.count <= Self.maximumMemberLength else {
            throw MetricsError(.invalidMember, "1…\(Self.maximumMemberLength) bytes")
        }
        try sources.withLock { (sources) throws(MetricsError) in
            guard !sources.contains(where: { $0.subsystem == subsystem && $0.member == member }) else {
                throw MetricsError(.invalidState, "\(subsystem) \(member) is registered already")
            }
            guard sources.count < Self.maximumSources else {
                throw MetricsError(.invalidState, "more than \(Self.maximumSources) sources")
            }
            let labels = [(Self.memberLabel, member)]
            let series: [Series] = definitions.map { definition in
                switch definition.kind {
                case .counter:
                    .counter(registry.makeCounter(descriptor: definition.descriptor(subsystem: subsystem), labels: labels))
                case .gauge:
                    .gauge(registry.makeGauge(descriptor: definition.descriptor(subsystem: subsystem), labels: labels))
                }
            }
            let values = definitions.map(\.value)
            let state = SeriesState(series: series)
            sources.append(
                Source(subsystem: subsystem, member: member) {
                    let snapshot = await read()
                    state.update(values.map { Int64($0(snapshot)) })
                })
        }
    }
}

/// One registered service: who it is, and how to refresh its series.
private struct Source: Sendable {
    let subsystem: String
    let member: String
    let refresh: @Sendable () async -> Void

    init(subsystem: String, member: String, refresh: @escaping @Sendable () async -> Void) {
        self.subsystem = subsystem
        self.member = member
        self.refresh = refresh
    }
}

/// One time series in the registry.
private enum Series: Sendable {
    case counter(Prometheus.Counter)
    case gauge(Prometheus.Gauge)
}

/// A source's series and the counter values last applied to them.
private final class SeriesState: Sendable {
    private let series: [Series]
    private let applied: Mutex<[Int64]>

    init(series: [Series]) {
        self.series = series
        self.applied = Mutex(Array(repeating: 0, count: series.count))
    }

    /// Advances each counter to `values` (a lower value, from a scrape that read earlier, is
    /// ignored: counters never go back) and sets each gauge.
    func update(_ values: [Int64]) {
        applied.withLock { applied in
            for (index, value) in values.enumerated() where index < series.count {
                switch series[index] {
                case .counter(let counter):
                    if value > applied[index] {
                        counter.increment(by: value - applied[index])
                        applied[index] = value
                    }
                case .gauge(let gauge):
                    gauge.set(value)
                }
            }
        }
    }
}
