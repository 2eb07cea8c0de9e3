/// Which member owns which partition: a pure function of the live members, so that every member
/// computes the same answer independently (the JetStream coordinator relies on this).
public enum PartitionAssignor {
    /// Partition `p` goes to member `p mod n` of the members sorted by id. Every member gets
    /// ⌊P/n⌋ or ⌈P/n⌉ partitions; members beyond the partition count get none.
    public static func assign(partitions: Int, members: some Collection<String>) -> [String: [Int]] {
        let sorted = members.sorted()
        var result: [String: [Int]] = [:]
        for member in sorted { result[member] = [] }
        guard !sorted.isEmpty else { return result }
        for partition in 0..<partitions {
            result[sorted[partition % sorted.count], default: []].append(partition)
        }
        return result
    }
}
