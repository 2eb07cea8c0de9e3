#if canImport(Glibc)
import Glibc
#endif
public import ArgumentParser
import Logging
import NIOCore
import NIOPosix
import P2PGateway
import P2PBus
import P2PBusJetStream
import P2PCluster
import P2PLinkManagerService
import P2PMembership
import P2PMetrics

/// `p2p-gateway`: one gateway instance of a distributed cluster. It serves HTTPS on the host and
/// port of the gateway configuration record, publishes inbound frames to `link.in`, and consumes
/// `link.out` as a member of the `gateway` consumer group (`docs/distributed.md`).
public struct GatewayCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "p2p-gateway",
        abstract: "Run a gateway of a distributed cluster over NATS JetStream.",
        discussion: """
            The bus must hold the layout (p2p bus setup) and the network (p2p setup apply): the gateway \
            configuration record (p2p.gateway, host and port to listen on, TLS type) and at least one hosted identity \
            whose TLS key opens with the cluster key. Runs until SIGINT/SIGTERM (or --seconds).
            """)

    @OptionGroup public var options: WorkerOptions

    @Option(name: .long, help: "Event-loop threads of the HTTPS server and client.")
    public var threads: Int = 1

    @Option(name: .long, help: "Listen on this port instead of the configuration's hostPort (one gateway of several on a host).")
    public var listenPort: Int?

    @Option(name: .long, help: "Listen on this address instead of the configuration's hostAddress.")
    public var listenAddress: String?

    public init() {}

    /// The topics the gateway consumes or publishes.
    static let topics: [String] = {
        let topics = LinkManagerTopics()
        return [topics.linkOut, topics.linkIn]
    }()

    public func validate() throws {
        guard (1...64).contains(threads) else { throw ValidationError("--threads must be 1…64") }
    }

    /// `configuration` with this instance's `--listen-port` and `--listen-address`, which every later configuration
    /// keeps too; an override that is not a valid port or address is refused before anything starts.
    func adjusted(_ configuration: GatewayConfiguration) throws -> GatewayConfiguration {
        let result = Self.override(configuration, port: listenPort, address: listenAddress)
        do { try result.validate() } catch {
            throw ValidationError("--listen-port / --listen-address: \(error)")
        }
        return result
    }

    static func override(_ configuration: GatewayConfiguration, port: Int?, address: String?) -> GatewayConfiguration {
        var result = configuration
        if let port { result.hostPort = port }
        if let address { result.hostAddress = address }
        return result
    }

    public func run() async throws {
        let key = try WorkerBus.clusterKey(options)
        let member = options.memberID(role: "gateway", pid: getpid())
        let bus = try await WorkerBus.connect(options, role: "p2p-gateway \(member)", topics: Self.topics)
        let directory: MembershipDirectory
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        let service: GatewayService
        do {
            // Kept running for the worker's lifetime: the service applies later configurations live.
            let reader = try await WorkerBus.configurationReader(GatewayConfiguration.self, bus: bus)
            let configuration: GatewayConfiguration
            do {
                guard let current = reader.current else {
                    throw ClusterError(
                        .incompleteSetup, "no gateway configuration (p2p.gateway in table config) on the bus (run p2p setup apply)")
                }
                configuration = try adjusted(current)
                directory = try await WorkerBus.directory(bus, key: key)
            } catch {
                reader.stop()
                throw error
            }
            do {
                var logger = Logger(label: "p2p.gateway.\(member)")
                logger.logLevel = options.verbose ? .debug : .info
                let started = try await GatewayService.start(
                    bus: bus, directory: directory, configuration: configuration, group: group,
                    sessions: SessionPartitionsDirectory(), memberID: member, logger: logger)
                do {
                    let (port, address) = (listenPort, listenAddress)
                    try started.follow(reader) { Self.override($0, port: port, address: address) }
                } catch {
                    await started.stop()
                    throw error
                }
                service = started
            } catch {
                reader.stop()
                directory.stop()
                throw error
            }
        } catch {
            try? await group.shutdownGracefully()
            await bus.close()
            throw error
        }
        print("gateway \(member) listening on port \(service.port) via \(options.url)")
        let metrics: MetricsServer?
        do {
            metrics = try await options.startMetrics { try $0.addGateway(service, member: member) }
        } catch {
            await service.stop()
            directory.stop()
            try? await group.shutdownGracefully()
            await bus.close()
            throw error
        }
        flushOutput()
        await WorkerSignals.waitForStop(seconds: options.seconds)
        await metrics?.stop()
        await service.stop()
        let counters = service.currentCounters
        directory.stop()
        try? await group.shutdownGracefully()
        await bus.close()
        print("gateway \(member) stopped: \(counters.framesSubmitted) frames submitted, \(counters.framesFailed) failed")
        flushOutput()
    }
}
