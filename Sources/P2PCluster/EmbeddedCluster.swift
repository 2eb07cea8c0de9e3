public import Logging
import NIOCore
import NIOPosix
public import P2PBus
import P2PGateway
public import P2PLinkManagerService
public import P2PMembership
import P2PSetup

/// One process = one cluster: an in-process bus, a link manager and a gateway (the embedded
/// deployment mode, `docs/embedded.md`). Started from a network file applied with `P2PSetup` and the
/// cluster key that seals the private keys on the bus; stopped with ``stop()``.
///
/// Everything lives in memory: messages in flight when the process dies are lost.
public final class EmbeddedCluster: Sendable {
    public struct Options: Sendable {
        /// Threads of the gateway's event loop group.
        public var eventLoopThreads: Int
        public var linkManager: LinkManagerService.Options
        public var logger: Logger

        public init(
            eventLoopThreads: Int = 1, linkManager: LinkManagerService.Options = .init(),
            logger: Logger = Logger(label: "p2p.cluster")
        ) {
            self.eventLoopThreads = eventLoopThreads
            self.linkManager = linkManager
            self.logger = logger
        }
    }

    public let bus: InProcessBus
    public let directory: MembershipDirectory
    public let linkManager: LinkManagerService
    public let gateway: GatewayService
    private let group: MultiThreadedEventLoopGroup

    /// The port the gateway listens on.
    public var port: Int { gateway.port }

    private init(
        bus: InProcessBus, directory: MembershipDirectory, linkManager: LinkManagerService, gateway: GatewayService,
        group: MultiThreadedEventLoopGroup
    ) {
        self.bus = bus
        self.directory = directory
        self.linkManager = linkManager
        self.gateway = gateway
        self.group = group
    }

    /// Creates the topics and tables, applies `networkFile` (the `p2p setup apply` JSON format), and
    /// starts the link manager and the gateway.
    public static func start(
        networkFile: [UInt8], clusterKey: ClusterKey, options: Options = Options()
    ) async throws -> EmbeddedCluster {
        let bus = try await prepareBus(networkFile: networkFile, clusterKey: clusterKey, topics: options.linkManager.topics)
        do {
            return try await start(bus: bus, clusterKey: clusterKey, options: options)
        } catch {
            await bus.close()
            throw error
        }
    }

    /// A fresh in-process bus with every topic and table, and `networkFile` applied.
    public static func prepareBus(
        networkFile: [UInt8], clusterKey: ClusterKey, topics: LinkManagerTopics = .init()
    ) async throws -> InProcessBus {
        let bus = InProcessBus()
        do {
            for topic in BusLayout.standard.topics { try await bus.createTopic(topic) }
            try await bus.createTopic(TopicSpec(name: topics.deliveryStatus, partitions: 8))
            for table in BusLayout.standard.tables { try await bus.createTable(table) }
            _ = try await NetworkSetup(bus: bus, clusterKey: clusterKey).apply(fileContents: networkFile)
            return bus
        } catch {
            await bus.close()
            throw error
        }
    }

    /// Starts the workers on a bus that already holds the membership tables and configuration.
    public static func start(bus: InProcessBus, clusterKey: ClusterKey, options: Options = Options()) async throws -> EmbeddedCluster {
        let gatewayReader = try await ConfigurationReader<GatewayConfiguration>(bus: bus)
        try await gatewayReader.start()
        let linkManagerReader = try await ConfigurationReader<LinkManagerConfiguration>(bus: bus)
        try await linkManagerReader.start()
        guard let gatewayConfiguration = gatewayReader.current else {
            gatewayReader.stop()
            linkManagerReader.stop()
            throw ClusterError(.incompleteSetup, "no gateway configuration (gatewayConfig) on the bus")
        }
        let linkManagerConfiguration = linkManagerReader.current ?? LinkManagerConfiguration()

        let directory = try await MembershipDirectory(bus: bus, clusterKey: clusterKey)
        try await directory.start()
        guard !directory.hostedIdentityList.isEmpty else {
            directory.stop()
            gatewayReader.stop()
            linkManagerReader.stop()
            throw ClusterError(.incompleteSetup, "no hosted identity whose session key opens with this cluster key")
        }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, options.eventLoopThreads))
        let sessions = SessionPartitionsDirectory()
        var gateway: GatewayService?
        var startedLinkManager: LinkManagerService?
        do {
            let started = try await GatewayService.start(
                bus: bus, directory: directory, configuration: gatewayConfiguration, group: group, sessions: sessions,
                logger: options.logger)
            gateway = started
            // The gateway follows its configuration for the cluster's lifetime (and stops the reader).
            try started.follow(gatewayReader)
            let linkManager = try await LinkManagerService(
                bus: bus, directory: directory, configuration: linkManagerConfiguration, options: options.linkManager,
                partitionsObserver: { id, partitions in sessions.set(partitions, for: id) })
            try await linkManager.start()
            startedLinkManager = linkManager
            // So does the link manager (the reader stops with it).
            let logger = options.logger
            try await linkManager.follow(linkManagerReader) { logger.info("\($0)") }
            return EmbeddedCluster(bus: bus, directory: directory, linkManager: linkManager, gateway: started, group: group)
        } catch {
            gatewayReader.stop()
            linkManagerReader.stop()
            await startedLinkManager?.stop()
            await gateway?.stop()
            directory.stop()
            try? await group.shutdownGracefully()
            throw error
        }
    }

    /// Stops the link manager, then the gateway, then the event loops and the bus.
    public func stop() async {
        await linkManager.stop()
        await gateway.stop()
        directory.stop()
        try? await group.shutdownGracefully()
        await bus.close()
    }
}
