import Foundation
import P2PBus
import P2PIdentity
import P2PMembership
import P2PSetup
import P2PX509
import Testing

/// Every setup command against both bus implementations.
@Suite("p2p setup library against both buses", .serialized)
struct SetupCommandTests {
    @Test("apply of the example network writes every record; the second apply changes nothing", arguments: BusKind.allCases)
    func applyTwice(kind: BusKind) async throws {
        try await TestBus.with(kind) { test in
            let setup = NetworkSetup(bus: test.bus, clusterKey: ClusterKey.generate())
            let first = try await setup.apply(fileContents: try Example.bytes)
            #expect(first.changedCount == 11, "\(first)")
            #expect(first.changes.allSatisfy { $0.action == .added })
            var before: [String: [String: TableEntry]] = [:]
            for table in MembershipTables.all { before[table] = try await test.entries(table) }
            #expect(before[MemberInfo.tableName]?.count == 2)
            #expect(before[TenantKey.tableName]?.count == 4)

            let second = try await setup.apply(fileContents: try Example.bytes)
            #expect(second.changedCount == 0, "\(second)")
            #expect(second.changes.count == 11)
            #expect(second.changes.allSatisfy { $0.action == .unchanged })
            for table in MembershipTables.all {
                let after = try await test.entries(table)
                #expect(after == before[table], "\(table) was rewritten")
            }
        }
    }

    @Test("records are stored under keys derived from canonical names, whatever the spelling", arguments: BusKind.allCases)
    func canonicalKeys(kind: BusKind) async throws {
        try await TestBus.with(kind) { test in
            let setup = NetworkSetup(bus: test.bus, clusterKey: ClusterKey.generate())
            _ = try await setup.apply(fileContents: try Example.bytes)
            var member = try Example.file.membersToAdd[0]
            member.x500Name = "c=GB,  l=London,o=Alice Corp"
            let report = try await setup.addMember(member)
            #expect(report.changes.map(\.action) == [.unchanged], "\(report)")
            let identity = HoldingIdentity(name: try X500Name(Example.alice), groupID: try GroupID(Example.groupID))
            let entry = try await test.bus.table(MemberInfo.tableName).get(MembershipTables.identityKey(identity.description))
            let stored = try MemberInfo.decode(try #require(entry))
            #expect(stored.holdingIdentity == identity)
            #expect(stored.serial == 1)
            #expect(try stored.sessionVerifyingKeys().count == 1)
        }
    }

    @Test("each add, remove and config command, one at a time", arguments: BusKind.allCases)
    func everyCommand(kind: BusKind) async throws {
        try await TestBus.with(kind) { test in
            let file = try Example.file
            let setup = NetworkSetup(bus: test.bus, clusterKey: ClusterKey.generate())

            var report = try await setup.configureGateway(try #require(file.gatewayConfig))
            #expect(report.changes.map(\.description) == ["added configuration p2p.gateway"])
            report = try await setup.configureLinkManager(try #require(file.linkManagerConfig))
            #expect(report.changes.map(\.description) == ["added configuration p2p.linkManager"])
            var gateway = try #require(file.gatewayConfig)
            gateway.connection.responseTimeoutMillis = 5_000
            report = try await setup.configureGateway(gateway)
            #expect(report.changes.map(\.description) == ["updated configuration p2p.gateway"])

            report = try await setup.addGroup(file.groupsToAdd[0])
            #expect(report.changes.map(\.description) == ["added group example-network"])
            for keys in file.keysToAdd {
                report = try await setup.addKeys(keys)
                #expect(report.changes.map(\.action) == [.added])
            }
            report = try await setup.addMember(file.membersToAdd[0])
            #expect(report.changes.map(\.description) == ["added member \(Example.alice)@example-network"])
            report = try await setup.addIdentity(file.identitiesToAdd[0])
            #expect(report.changes.map(\.description) == ["added identity \(Example.alice)@example-network"])

            // A changed member gets the next serial.
            var moved = file.membersToAdd[0]
            moved.endpoints = ["https://alice-2.example.test:9443", "https://alice.example.test:8443"]
            report = try await setup.addMember(moved)
            #expect(report.changes.map(\.action) == [.updated])
            let key = MembershipTables.identityKey("\(Example.alice)@\(Example.groupID)")
            let member = try MemberInfo.decode(try #require(try await test.bus.table(MemberInfo.tableName).get(key)))
            #expect(member.serial == 2)
            #expect(member.endpoints.count == 2)

            // An explicit serial: an old one with the same content changes nothing, a lower one with
            // new content is refused, a higher one is stored.
            moved.serial = 1
            report = try await setup.addMember(moved)
            #expect(report.changes.map(\.action) == [.unchanged])
            moved.status = "SUSPENDED"
            let stale = await #expect(throws: MembershipError.self) { try await setup.addMember(moved) }
            #expect(stale?.code == .serialNotIncreasing)
            #expect(stale?.field == "serial")
            moved.serial = 7
            report = try await setup.addMember(moved)
            #expect(report.changes.map(\.action) == [.updated])
            #expect(try MemberInfo.decode(try #require(try await test.bus.table(MemberInfo.tableName).get(key))).serial == 7)

            report = try await setup.removeIdentity(x500Name: Example.alice, groupId: Example.groupID)
            #expect(report.changes.map(\.description) == ["removed identity \(Example.alice)@example-network"])
            report = try await setup.removeIdentity(x500Name: Example.alice, groupId: Example.groupID)
            #expect(report.changes.map(\.action) == [.absent])
            report = try await setup.removeMember(x500Name: Example.alice, groupId: Example.groupID)
            #expect(report.changes.map(\.action) == [.removed])
            report = try await setup.removeGroup(groupId: Example.groupID)
            #expect(report.changes.map(\.description) == ["removed group example-network"])
            #expect(try await test.entries(GroupPolicy.tableName).isEmpty)
            #expect(try await test.entries(MemberInfo.tableName).isEmpty)
            #expect(try await test.entries(HostedIdentity.tableName).isEmpty)
        }
    }

    @Test("a group that still has members is not removed", arguments: BusKind.allCases)
    func groupInUse(kind: BusKind) async throws {
        try await TestBus.with(kind) { test in
            let setup = NetworkSetup(bus: test.bus, clusterKey: ClusterKey.generate())
            _ = try await setup.apply(fileContents: try Example.bytes)
            let error = await #expect(throws: MembershipError.self) { try await setup.removeGroup(groupId: Example.groupID) }
            #expect(error?.code == .groupInUse)
            #expect(try await test.entries(GroupPolicy.tableName).count == 1)
            // Removing everything in one file is fine.
            var file = NetworkFile()
            file.groupsToRemove = [Example.groupID]
            file.membersToRemove = [.init(x500Name: Example.alice, groupId: Example.groupID), .init(x500Name: Example.bob, groupId: Example.groupID)]
            file.identitiesToRemove = file.membersToRemove
            let report = try await setup.apply(file)
            #expect(report.changedCount == 5, "\(report)")
            #expect(try await test.entries(GroupPolicy.tableName).isEmpty)
        }
    }
}
