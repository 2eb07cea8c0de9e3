public import Foundation
public import P2PBus
import P2PIdentity
public import P2PMembership
import P2PX509

/// Validates setup records and applies them to any ``MessageBus``: the library behind `p2p setup`,
/// independent of how the bus is reached (in process, JetStream by URL, an admin endpoint).
///
/// Everything is validated against the bus's current state overlaid with the request before anything
/// is written; then each record is compared with what is stored and written only if it differs, so
/// applying the same request twice changes nothing the second time.
public struct NetworkSetup: Sendable {
    public let bus: any MessageBus
    /// Needed only to upload keys (they are sealed under it).
    public let clusterKey: ClusterKey?
    /// When certificates are checked.
    public let now: @Sendable () -> Date

    public init(bus: any MessageBus, clusterKey: ClusterKey? = nil, now: @escaping @Sendable () -> Date = { Date() }) {
        self.bus = bus
        self.clusterKey = clusterKey
        self.now = now
    }

    // MARK: Commands

    /// `apply <file>`: a whole network file, as bytes.
    public func apply(fileContents: [UInt8]) async throws -> SetupReport {
        try await apply(try NetworkFile.parse(fileContents))
    }

    /// `apply`: a whole network.
    public func apply(_ file: NetworkFile) async throws -> SetupReport {
        try await run(file, paths: .file)
    }

    public func addGroup(_ group: GroupInput) async throws -> SetupReport {
        try await run(NetworkFile(groupsToAdd: [group]), paths: .single)
    }

    public func addMember(_ member: MemberInput) async throws -> SetupReport {
        try await run(NetworkFile(membersToAdd: [member]), paths: .single)
    }

    public func addIdentity(_ identity: IdentityInput) async throws -> SetupReport {
        try await run(NetworkFile(identitiesToAdd: [identity]), paths: .single)
    }

    public func addKeys(_ keys: KeysInput) async throws -> SetupReport {
        try await run(NetworkFile(keysToAdd: [keys]), paths: .single)
    }

    public func removeGroup(groupId: String) async throws -> SetupReport {
        try await run(NetworkFile(groupsToRemove: [groupId]), paths: .single)
    }

    public func removeMember(x500Name: String, groupId: String) async throws -> SetupReport {
        try await run(NetworkFile(membersToRemove: [IdentityReference(x500Name: x500Name, groupId: groupId)]), paths: .single)
    }

    public func removeIdentity(x500Name: String, groupId: String) async throws -> SetupReport {
        try await run(NetworkFile(identitiesToRemove: [IdentityReference(x500Name: x500Name, groupId: groupId)]), paths: .single)
    }

    public func configureGateway(_ configuration: GatewayConfiguration) async throws -> SetupReport {
        try await run(NetworkFile(gatewayConfig: configuration), paths: .single)
    }

    public func configureLinkManager(_ configuration: LinkManagerConfiguration) async throws -> SetupReport {
        try await run(NetworkFile(linkManagerConfig: configuration), paths: .single)
    }

    // MARK: Engine

    /// How fields are named in errors: `groupsToAdd[0].groupId` for a file, `groupId` for one command.
    enum Paths {
        case file, single

        func entry(_ list: String, _ index: Int) -> String {
            switch self {
            case .file: "\(list)[\(index)]"
            case .single: ""
            }
        }
    }

    func run(_ file: NetworkFile, paths: Paths) async throws -> SetupReport {
        let state = try await StoredState.load(from: bus)
        var planner = SetupPlanner(state: state, clusterKey: clusterKey, now: now(), paths: paths)
        let plan = try planner.plan(file)
        var report = SetupReport()
        for write in plan {
            let table = state.tables[write.table]!
            switch write.operation {
            case .put(let value):
                try await table.put(write.key, value)
            case .delete:
                try await table.delete(write.key)
            case .none:
                break
            }
            report.changes.append(write.change)
        }
        return report
    }
}

/// What the membership tables hold now.
struct StoredState {
    var tables: [String: any BusTable] = [:]
    var entries: [String: [String: TableEntry]] = [:]

    static func load(from bus: any MessageBus) async throws -> StoredState {
        var state = StoredState()
        for name in MembershipTables.all {
            let table: any BusTable
            do {
                table = try await bus.table(name)
            } catch let error as BusError where error.code == .unknownTable {
                throw MembershipError(.missingTable, field: name, "table \(name) does not exist: create the bus layout first (p2p bus setup)")
            }
            state.tables[name] = table
            state.entries[name] = try await table.snapshot()
        }
        return state
    }

    func records<R: MembershipRecord>(_ type: R.Type) -> [String: R] {
        var records: [String: R] = [:]
        for (key, entry) in entries[R.tableName] ?? [:] {
            if let record = try? R.decode(entry) { records[key] = record }
        }
        return records
    }

    func entry(_ table: String, _ key: String) -> TableEntry? { entries[table]?[key] }
}
