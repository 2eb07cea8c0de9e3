public import P2PCluster
public import P2PLinkManagerService

extension MetricsCollector {
    /// Registers a running link manager: its `counters` and `trackedCount` are read on every scrape.
    public func addLinkManager(_ service: LinkManagerService, member: String) throws(MetricsError) {
        try addLinkManager(member: member) {
            LinkManagerSnapshot(counters: await service.counters, trackedCount: await service.trackedCount)
        }
    }

    /// Registers a running gateway: its `currentCounters` are read on every scrape.
    public func addGateway(_ service: GatewayService, member: String) throws(MetricsError) {
        try addGateway(member: member) { GatewaySnapshot(service.currentCounters) }
    }
}

extension GatewaySnapshot {
    /// The gateway service's counters as a snapshot.
    public init(_ counters: GatewayService.Counters) {
        self.init(
            framesSubmitted: counters.framesSubmitted, framesFailed: counters.framesFailed,
            framesRefused: counters.framesRefused, malformedRecords: counters.malformedRecords)
    }
}

extension MetricsCollector {
    /// The member label of an embedded cluster's gateway (`GatewayService.start`'s default member id).
    public static let embeddedGatewayMember = "gateway-1"

    /// Registers both services of an embedded cluster; the link manager under `linkManagerMember`
    /// (the member id it was started with, by default `LinkManagerService.Options`' default).
    public func addEmbeddedCluster(
        _ cluster: EmbeddedCluster, linkManagerMember: String = LinkManagerService.Options().memberID
    ) throws(MetricsError) {
        try addLinkManager(cluster.linkManager, member: linkManagerMember)
        try addGateway(cluster.gateway, member: Self.embeddedGatewayMember)
    }
}
