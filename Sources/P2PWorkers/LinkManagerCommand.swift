#if canImport(Glibc)
import Glibc
#endif
public import ArgumentParser
import P2PBus
import P2PBusJetStream
import P2PIdentity
import P2PLinkManagerService
import P2PMembership
import P2PMetrics

/// `p2p-link-manager`: one link-manager instance of a distributed cluster. It joins the
/// `link-manager` consumer group of `p2p.out` and `link.in` on the cluster's JetStream bus, so any
/// number of instances share the partitions; records of an instance that dies are redelivered to
/// the others (`docs/distributed.md`).
public struct LinkManagerCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "p2p-link-manager",
        abstract: "Run a link manager of a distributed cluster over NATS JetStream.",
        discussion: """
            The bus must hold the layout (p2p bus setup) and the network (p2p setup apply): at least one hosted \
            identity whose keys open with the cluster key. The link-manager configuration record (p2p.linkManager) \
            is optional; without it the defaults apply. Runs until SIGINT/SIGTERM (or --seconds), then leaves the \
            consumer groups and flushes what it published.
            """)

    @OptionGroup public var options: WorkerOptions

    public init() {}

    /// The topics the link manager consumes or publishes.
    static let topics: [String] = {
        let topics = LinkManagerTopics()
        return [topics.p2pOut, topics.p2pIn, topics.linkOut, topics.linkIn, topics.markers, topics.deliveryStatus]
    }()

    public func run() async throws {
        let key = try WorkerBus.clusterKey(options)
        let member = options.memberID(role: "link-manager", pid: getpid())
        let bus = try await WorkerBus.connect(options, role: "p2p-link-manager \(member)", topics: Self.topics)
        let directory: MembershipDirectory
        do {
            directory = try await WorkerBus.directory(bus, key: key)
        } catch {
            await bus.close()
            throw error
        }
        let service: LinkManagerService
        let reader: ConfigurationReader<LinkManagerConfiguration>
        do {
            reader = try await ConfigurationReader<LinkManagerConfiguration>(bus: bus)
            try await reader.start()
        } catch {
            directory.stop()
            await bus.close()
            throw error
        }
        do {
            let configuration = reader.current
            if configuration == nil { print("no link-manager configuration (p2p.linkManager) on the bus: using the defaults") }
            service = try await LinkManagerService(
                bus: bus, directory: directory, configuration: configuration ?? LinkManagerConfiguration(),
                options: LinkManagerService.Options(memberID: member, onReassign: reassignLogger(member)))
            try await service.start()
            try await service.follow(reader) { line in
                print(line)
                flushOutput()
            }
        } catch {
            reader.stop()
            directory.stop()
            await bus.close()
            throw error
        }
        let hosted = directory.hostedIdentityList.map(\.description).joined(separator: ", ")
        print("link manager \(member) running on \(options.url), hosting \(hosted)")
        let metrics: MetricsServer?
        do {
            metrics = try await options.startMetrics { try $0.addLinkManager(service, member: member) }
        } catch {
            await service.stop()
            directory.stop()
            await bus.close()
            throw error
        }
        flushOutput()
        await WorkerSignals.waitForStop(seconds: options.seconds)
        await metrics?.stop()
        let counters = await service.counters
        await service.stop()
        directory.stop()
        await bus.close()
        print("link manager \(member) stopped: \(counters.deliveredToApplications) delivered to applications, "
            + "\(counters.dataFramesSent) data frames sent")
        flushOutput()
    }
}

extension LinkManagerCommand {
    /// With `--verbose`, prints every change of the instance's `link.in` partitions.
    func reassignLogger(_ member: String) -> (@Sendable ([Int]) -> Void)? {
        guard options.verbose else { return nil }
        return { partitions in
            print("link manager \(member) consumes link.in partitions [\(partitions.map(String.init).joined(separator: ","))]")
            flushOutput()
        }
    }
}

/// Flushes stdout, so a parent reading a pipe sees each line at once.
func flushOutput() {
    #if canImport(Glibc)
    fflush(nil)
    #endif
}
