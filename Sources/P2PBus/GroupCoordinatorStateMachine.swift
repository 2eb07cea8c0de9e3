/// The rebalance logic of one consumer group: who is a member, who is live, who owns which partition.
///
/// Pure: every input carries `now`, every output is a list of actions for the caller to carry out
/// (revocations first, then assignments), so it is tested as a value.
public struct GroupCoordinatorStateMachine: Sendable, Hashable {
    public enum Action: Sendable, Hashable {
        case revoke(member: String, partitions: [Int])
        case assign(member: String, partitions: [Int])
    }

    /// Members beyond this are refused: the group's state stays bounded.
    public static let maximumMembers = 1024

    public let partitions: Int
    public let sessionTimeout: Duration
    /// Member id → time of its last heartbeat.
    public private(set) var lastHeartbeat: [String: Duration] = [:]
    /// Member id → owned partitions (sorted).
    public private(set) var assignment: [String: [Int]] = [:]

    public init(partitions: Int, sessionTimeout: Duration) {
        precondition(partitions > 0 && sessionTimeout > .zero)
        self.partitions = partitions
        self.sessionTimeout = sessionTimeout
    }

    public var members: [String] { lastHeartbeat.keys.sorted() }

    /// A new member; a member already present is refused.
    public mutating func join(_ member: String, now: Duration) throws(BusError) -> [Action] {
        guard lastHeartbeat[member] == nil else { throw BusError(.duplicateMember, member) }
        guard lastHeartbeat.count < Self.maximumMembers else {
            throw BusError(.invalidOption, "group full (\(Self.maximumMembers) members)")
        }
        var actions = expireSilent(now: now)
        lastHeartbeat[member] = now
        actions += rebalance()
        return actions
    }

    /// A member is alive. An unknown member (one that was expired) rejoins. Expires silent members.
    public mutating func heartbeat(_ member: String, now: Duration) -> [Action] {
        var actions = expireSilent(now: now)
        if lastHeartbeat[member] == nil {
            guard lastHeartbeat.count < Self.maximumMembers else { return actions }
            lastHeartbeat[member] = now
            actions += rebalance()
        } else {
            lastHeartbeat[member] = now
        }
        return actions
    }

    /// A member leaves cleanly.
    public mutating func leave(_ member: String) -> [Action] {
        guard lastHeartbeat.removeValue(forKey: member) != nil else { return [] }
        return rebalance()
    }

    /// Removes members silent for `sessionTimeout` or longer and rebalances if any were.
    public mutating func expire(now: Duration) -> [Action] {
        expireSilent(now: now)
    }

    private mutating func expireSilent(now: Duration) -> [Action] {
        let dead = lastHeartbeat.filter { now - $0.value >= sessionTimeout }.keys
        guard !dead.isEmpty else { return [] }
        for member in dead { lastHeartbeat.removeValue(forKey: member) }
        return rebalance()
    }

    private mutating func rebalance() -> [Action] {
        let target = PartitionAssignor.assign(partitions: partitions, members: lastHeartbeat.keys)
        var revokes: [Action] = []
        var assigns: [Action] = []
        for member in Set(assignment.keys).union(target.keys).sorted() {
            let old = Set(assignment[member] ?? [])
            let new = Set(target[member] ?? [])
            let lost = old.subtracting(new).sorted()
            let gained = new.subtracting(old).sorted()
            if !lost.isEmpty { revokes.append(.revoke(member: member, partitions: lost)) }
            if !gained.isEmpty { assigns.append(.assign(member: member, partitions: gained)) }
        }
        assignment = target.filter { !$0.value.isEmpty }
        return revokes + assigns
    }
}
