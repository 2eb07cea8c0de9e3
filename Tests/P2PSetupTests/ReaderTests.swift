import Foundation
import P2PBus
import P2PMembership
import P2PSetup
import Synchronization
import Testing

/// Collects what a reader reports.
final class Recorder<Value: Sendable>: Sendable {
    private let values = Mutex<[Value]>([])
    func append(_ value: Value) { values.withLock { $0.append(value) } }
    var all: [Value] { values.withLock { $0 } }
}

@Suite("readers follow the bus", .serialized)
struct ReaderTests {
    @Test("a member reader loads the snapshot, then reports added, updated and removed", arguments: BusKind.allCases)
    func memberReader(kind: BusKind) async throws {
        try await TestBus.with(kind) { test in
            let file = try Example.file
            let setup = NetworkSetup(bus: test.bus, clusterKey: ClusterKey.generate())
            var initial = file
            initial.membersToAdd = [file.membersToAdd[0]]
            _ = try await setup.apply(initial)

            let reader = try await TableReader<MemberInfo>(bus: test.bus)
            try await reader.start()
            #expect(reader.records.count == 1)
            let changes = Recorder<RecordChange<MemberInfo>>()
            try reader.subscribe { changes.append($0) }

            _ = try await setup.addMember(file.membersToAdd[1])
            var suspended = file.membersToAdd[0]
            suspended.status = "SUSPENDED"
            _ = try await setup.addMember(suspended)
            _ = try await setup.removeMember(x500Name: Example.bob, groupId: Example.groupID)
            #expect(try await eventually { changes.all.count == 3 })
            let all = changes.all
            guard all.count == 3 else { return }
            guard case .added(let bob) = all[0] else { Issue.record("expected added, got \(all[0])"); return }
            #expect(bob.holdingIdentity.name.organisation == "Bob Ltd")
            guard case .updated(let old, let new) = all[1] else { Issue.record("expected updated, got \(all[1])"); return }
            #expect(old.status == .active && new.status == .suspended && new.serial == old.serial + 1)
            guard case .removed(let gone) = all[2] else { Issue.record("expected removed, got \(all[2])"); return }
            #expect(gone.holdingIdentity == bob.holdingIdentity)
            #expect(reader.records.count == 1)
            reader.stop()
        }
    }

    @Test("handlers registered before start see the snapshot; a second start is refused")
    func snapshotToEarlySubscribers() async throws {
        try await TestBus.with(.inProcess) { test in
            _ = try await NetworkSetup(bus: test.bus, clusterKey: ClusterKey.generate()).apply(fileContents: try Example.bytes)
            let reader = try await TableReader<HostedIdentity>(bus: test.bus)
            let changes = Recorder<RecordChange<HostedIdentity>>()
            try reader.subscribe { changes.append($0) }
            try await reader.start()
            let names = changes.all.compactMap { change -> String? in
                if case .added(let identity) = change { return identity.holdingIdentity.name.organisation }
                return nil
            }
            #expect(names.sorted() == ["Alice Corp", "Bob Ltd"])
            await #expect(throws: MembershipError.self) { try await reader.start() }
            reader.stop()
        }
    }

    @Test("a record that does not decode is rejected and the last good value stays", arguments: BusKind.allCases)
    func rejectsMalformed(kind: BusKind) async throws {
        try await TestBus.with(kind) { test in
            _ = try await NetworkSetup(bus: test.bus).apply(NetworkFile(groupsToAdd: try Example.file.groupsToAdd))
            let reader = try await TableReader<GroupPolicy>(bus: test.bus)
            try await reader.start()
            let rejected = Recorder<MembershipError>()
            try reader.onRejected { _, error in rejected.append(error) }
            let key = try #require(reader.records.keys.first)
            let table = try await test.bus.table(GroupPolicy.tableName)
            try await table.put(key, Array(#"{"schemaVersion": 9}"#.utf8))
            #expect(try await eventually { rejected.all.count == 1 })
            #expect(rejected.all.first?.code == .unsupportedSchemaVersion)
            #expect(reader.records[key]?.groupId.value == Example.groupID)
            reader.stop()
        }
    }

    @Test("configuration: A, then B, then an invalid C keeps B and reports the error", arguments: BusKind.allCases)
    func liveConfiguration(kind: BusKind) async throws {
        try await TestBus.with(kind) { test in
            let setup = NetworkSetup(bus: test.bus)
            var a = GatewayConfiguration()
            a.hostPort = 9001
            _ = try await setup.configureGateway(a)
            // The link manager's record in the same table is none of the gateway reader's business.
            _ = try await setup.configureLinkManager(LinkManagerConfiguration())

            let reader = try await ConfigurationReader<GatewayConfiguration>(bus: test.bus)
            try await reader.start()
            #expect(reader.current == a)
            let seen = Recorder<GatewayConfiguration>()
            let errors = Recorder<MembershipError>()
            try reader.subscribe { seen.append($0) }
            try reader.onRejected { errors.append($0) }

            var b = a
            b.connection.responseTimeoutMillis = 4_000
            b.tlsType = .mutual
            _ = try await setup.configureGateway(b)
            #expect(try await eventually { seen.all.count == 1 })
            #expect(seen.all == [b])
            #expect(reader.current == b)

            // C is published behind the setup library's back: an unknown field, then a bad value.
            let table = try await test.bus.table(MembershipTables.configuration)
            let unknownField = #"{"schemaVersion":1,"component":"p2p.gateway","configuration":{"hostPort":9002,"responseTimeout":1}}"#
            try await table.put(GatewayConfiguration.configurationKey, Array(unknownField.utf8))
            #expect(try await eventually { errors.all.count == 1 })
            #expect(errors.all.first?.code == .unknownField)
            #expect(errors.all.first?.field == "configuration.responseTimeout")
            var c = b
            c.connection.retryDelayMillis = -5
            try await table.put(GatewayConfiguration.configurationKey, ConfigurationRecord(c).encoded())
            #expect(try await eventually { errors.all.count == 2 })
            #expect(errors.all.last?.code == .invalidConfiguration)
            #expect(errors.all.last?.field == "configuration.connection.retryDelayMillis")
            #expect(reader.current == b)
            #expect(seen.all == [b])
            // A valid D after the invalid ones is taken again.
            var d = b
            d.hostPort = 9003
            _ = try await setup.configureGateway(d)
            #expect(try await eventually { seen.all.count == 2 })
            #expect(reader.current == d)
            reader.stop()
        }
    }

    @Test("configuration updates as a stream: in order, only the newest kept while the consumer is busy", arguments: BusKind.allCases)
    func configurationUpdates(kind: BusKind) async throws {
        try await TestBus.with(kind) { test in
            let setup = NetworkSetup(bus: test.bus)
            _ = try await setup.configureLinkManager(LinkManagerConfiguration())
            let reader = try await ConfigurationReader<LinkManagerConfiguration>(bus: test.bus)
            try await reader.start()
            let updates = try reader.updates()
            var iterator = updates.makeAsyncIterator()
            var b = LinkManagerConfiguration()
            b.sessionsPerPeer = 2
            _ = try await setup.configureLinkManager(b)
            #expect(await iterator.next() == b)
            // Three changes while nobody takes them: the last one is what comes next.
            for sessions in [3, 5, 7] {
                var next = b
                next.sessionsPerPeer = sessions
                _ = try await setup.configureLinkManager(next)
                #expect(try await eventually { reader.current == next })
            }
            var last = b
            last.sessionsPerPeer = 7
            #expect(await iterator.next() == last)
            reader.stop()
        }
    }
}
