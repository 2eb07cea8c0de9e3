import P2PBus

/// Decides, from one read of a group's lease bucket, which partition leases a member must release
/// and take. Pure: the JetStream consumer reads the bucket, calls `plan`, and carries the steps out
/// with compare-and-set writes.
package struct LeasePlanner: Sendable {
    /// The lease key of a partition: who owns it (`""` = released) at which revision.
    package struct Lease: Sendable, Hashable {
        package let owner: String
        package let revision: UInt64
        package init(owner: String, revision: UInt64) {
            self.owner = owner
            self.revision = revision
        }
    }

    package struct Plan: Sendable, Hashable {
        /// Partitions this member thought it held but whose lease another member took (fenced).
        package var lost: [Int] = []
        /// Leases to release: partition and the revision this member holds.
        package var release: [(partition: Int, revision: UInt64)] = []
        /// Leases to take: partition and the revision to compare against (`nil`: never written).
        package var take: [(partition: Int, expected: UInt64?)] = []

        package static func == (lhs: Plan, rhs: Plan) -> Bool {
            lhs.lost == rhs.lost && lhs.release.map(\.partition) == rhs.release.map(\.partition)
                && lhs.release.map(\.revision) == rhs.release.map(\.revision)
                && lhs.take.map(\.partition) == rhs.take.map(\.partition) && lhs.take.map(\.expected) == rhs.take.map(\.expected)
        }
        package func hash(into hasher: inout Hasher) { hasher.combine(lost) }
    }

    /// - Parameters:
    ///   - member: this member's id.
    ///   - live: members whose heartbeat is younger than the session timeout (this one included).
    ///   - leases: the current lease of every partition that has one.
    ///   - held: partitions this member holds, with the revision of its lease write.
    package static func plan(member: String, live: Set<String>, partitions: Int, leases: [Int: Lease], held: [Int: UInt64]) -> Plan {
        let desired = Set(PartitionAssignor.assign(partitions: partitions, members: live.union([member]))[member] ?? [])
        var plan = Plan()
        var stillHeld: Set<Int> = []
        for (partition, revision) in held.sorted(by: { $0.key < $1.key }) {
            guard let lease = leases[partition], lease.owner == member, lease.revision == revision else {
                plan.lost.append(partition)
                continue
            }
            stillHeld.insert(partition)
            if !desired.contains(partition) { plan.release.append((partition, revision)) }
        }
        for partition in desired.sorted() where !stillHeld.contains(partition) {
            guard let lease = leases[partition] else {
                plan.take.append((partition, nil))
                continue
            }
            if lease.owner.isEmpty || lease.owner == member || !live.contains(lease.owner) {
                plan.take.append((partition, lease.revision))
            }
        }
        return plan
    }
}
