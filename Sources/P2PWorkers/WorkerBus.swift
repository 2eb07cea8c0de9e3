import P2PBus
public import P2PBusJetStream
import P2PLinkManagerService
public import P2PMembership

/// Connecting a worker to its cluster's JetStream bus and checking that `p2p bus setup` and
/// `p2p setup apply` ran: every failure names what is missing and the command that provides it.
public enum WorkerBus {
    /// Connects to `options.urls` with the bounded retry, and checks that the topics and tables
    /// `topics` needs exist.
    public static func connect(_ options: WorkerOptions, role: String, topics: [String]) async throws -> JetStreamBus {
        let bus = try await JetStreamBus.connect(
            urls: options.urls,
            configuration: .init(connectAttempts: options.connectAttempts, connectionName: role))
        do {
            try await checkLayout(bus, topics: topics)
            return bus
        } catch {
            await bus.close()
            throw error
        }
    }

    /// The tables every worker reads: membership, keys, configuration, session partitions.
    public static let requiredTables = [
        SessionPartitions.tableName, "p2p.group.policies", "p2p.members.info", "p2p.hosted.identities", "p2p.crypto.keys",
        "config", "p2p.out.markers.state",
    ]

    /// Throws naming every missing topic and table.
    static func checkLayout(_ bus: JetStreamBus, topics: [String]) async throws {
        var missing: [String] = []
        for topic in topics {
            do { _ = try await bus.partitionCount(of: topic) } catch { missing.append("topic \(topic)") }
        }
        for table in requiredTables {
            do { _ = try await bus.table(table) } catch { missing.append("table \(table)") }
        }
        guard missing.isEmpty else {
            throw ClusterError(.incompleteSetup, "the bus lacks \(missing.joined(separator: ", ")) (run p2p bus setup)")
        }
    }

    /// Reads the cluster key file (errors name the file and the fix).
    public static func clusterKey(_ options: WorkerOptions) throws -> ClusterKey {
        try ClusterKey(contentsOf: options.clusterKey)
    }

    /// The hosted identities' directory, started; throws when no hosted identity opens with `key`.
    static func directory(_ bus: JetStreamBus, key: ClusterKey) async throws -> MembershipDirectory {
        let directory = try await MembershipDirectory(bus: bus, clusterKey: key)
        try await directory.start()
        guard !directory.hostedIdentityList.isEmpty else {
            directory.stop()
            throw ClusterError(
                .incompleteSetup,
                "no hosted identity (p2p.hosted.identities) whose session key opens with cluster key \(key.keyID) (run p2p setup apply)")
        }
        return directory
    }

    /// The current record of a configuration type, or `nil` when the bus holds none.
    static func configuration<C: ComponentConfiguration>(_ type: C.Type, bus: JetStreamBus) async throws -> C? {
        let reader = try await configurationReader(type, bus: bus)
        defer { reader.stop() }
        return reader.current
    }

    /// A started reader of a configuration type, following later changes until stopped.
    static func configurationReader<C: ComponentConfiguration>(
        _ type: C.Type, bus: JetStreamBus
    ) async throws -> ConfigurationReader<C> {
        let reader = try await ConfigurationReader<C>(bus: bus)
        try await reader.start()
        return reader
    }
}
