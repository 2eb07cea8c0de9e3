import Foundation
import P2PBus
import P2PIdentity
import P2PMembership
import P2PSetup

/// Makes one group's policy and members on the bus equal to the network map's, through `NetworkSetup`
/// (so everything is validated as `p2p setup` validates it, and unchanged records are not rewritten).
struct MembershipMirror {
    let bus: any MessageBus
    let rootPEM: String
    let now: @Sendable () -> Date

    func write(parameters: NetworkParameters, members: [MemberInfo]) async throws -> SetupReport {
        let group = parameters.groupId
        let stored = try await storedMembers(of: group)
        let existingPolicy = try await storedPolicy(of: group)
        let groupInput = GroupInput(
            groupId: group.value, protocolModes: parameters.protocolModes.map(\.rawValue),
            trustRootCertificates: existingPolicy?.trustRootCertificates ?? [rootPEM], maxMessageSize: parameters.maxMessageSize)
        var inputs: [MemberInput] = []
        var conflicts: [IdentityReference] = []
        var listed = Set<String>()
        for member in members {
            let normalised = try normalise(member)
            listed.insert(normalised.tableKey)
            inputs.append(
                MemberInput(
                    x500Name: normalised.holdingIdentity.name.description, groupId: group.value, endpoints: normalised.endpoints,
                    sessionPublicKeys: normalised.sessionPublicKeys, status: normalised.status.rawValue, serial: normalised.serial))
            // The map is authoritative: a stored record with a serial at or above the map's but other
            // content (edited locally) is removed first, so that the map's record can be written.
            if let old = stored[normalised.tableKey], old.serial >= normalised.serial, !sameContent(old, normalised) {
                conflicts.append(reference(old))
            }
        }
        let removals = stored.filter { !listed.contains($0.key) }.values.sorted { $0.holdingIdentity < $1.holdingIdentity }.map(reference)
        let setup = NetworkSetup(bus: bus, now: now)
        var report = SetupReport()
        if !conflicts.isEmpty {
            report.changes += try await setup.apply(NetworkFile(membersToRemove: conflicts)).changes
        }
        report.changes += try await setup.apply(NetworkFile(groupsToAdd: [groupInput], membersToAdd: inputs, membersToRemove: removals)).changes
        return report
    }

    func reference(_ member: MemberInfo) -> IdentityReference {
        IdentityReference(x500Name: member.holdingIdentity.name.description, groupId: member.holdingIdentity.groupID.value)
    }

    /// Session keys in the PEM form `p2p setup` stores, so that comparisons are by meaning.
    func normalise(_ member: MemberInfo) throws -> MemberInfo {
        var copy = member
        copy.sessionPublicKeys = try member.sessionPublicKeys.enumerated().map { index, pem in
            SessionKeyPEM.pem(for: try SessionKeyPEM.verifyingKey(pem: pem, field: "sessionPublicKeys[\(index)]"))
        }
        return copy
    }

    func sameContent(_ a: MemberInfo, _ b: MemberInfo) -> Bool {
        var copy = b
        copy.serial = a.serial
        return copy == a
    }

    func storedMembers(of group: GroupID) async throws -> [String: MemberInfo] {
        let entries = try await bus.table(MembershipTables.membersInfo).snapshot()
        var members: [String: MemberInfo] = [:]
        for (key, entry) in entries {
            if let member = try? MemberInfo.decode(entry), member.holdingIdentity.groupID == group { members[key] = member }
        }
        return members
    }

    func storedPolicy(of group: GroupID) async throws -> GroupPolicy? {
        let entries = try await bus.table(MembershipTables.groupPolicies).snapshot()
        return entries[MembershipTables.groupKey(group.value)].flatMap { try? GroupPolicy.decode($0) }
    }
}
