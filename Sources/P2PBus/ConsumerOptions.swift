/// Consumer-group member settings.
public struct ConsumerOptions: Sendable {
    public static let maximumUnackedLimit = 100_000
    public static let maximumNameLength = 64

    /// This member's id, unique in the group: `A–Z a–z 0–9 - _`, 1…64 characters.
    public var memberID: String
    /// A member that has not polled (heart-beaten) for this long is dead and loses its partitions.
    public var sessionTimeout: Duration
    /// JetStream: the member heart-beats and re-checks leases at most this often.
    public var heartbeatInterval: Duration
    /// A delivered record not acknowledged within this time is delivered again.
    public var ackWait: Duration
    /// Records delivered and not acknowledged, per partition.
    public var maxUnacked: Int
    /// Called with every assignment change of this member, from the bus's own context; must not block.
    public var onAssignment: (@Sendable (AssignmentEvent) -> Void)?

    public init(
        memberID: String, sessionTimeout: Duration = .seconds(10), heartbeatInterval: Duration = .seconds(1),
        ackWait: Duration = .seconds(30), maxUnacked: Int = 1000,
        onAssignment: (@Sendable (AssignmentEvent) -> Void)? = nil
    ) {
        self.memberID = memberID
        self.sessionTimeout = sessionTimeout
        self.heartbeatInterval = heartbeatInterval
        self.ackWait = ackWait
        self.maxUnacked = maxUnacked
        self.onAssignment = onAssignment
    }

    public func validate() throws(BusError) {
        try Self.validateName(memberID)
        guard sessionTimeout > .zero, heartbeatInterval > .zero, heartbeatInterval < sessionTimeout else {
            throw BusError(.invalidOption, "need 0 < heartbeatInterval < sessionTimeout")
        }
        guard ackWait >= .milliseconds(100) else { throw BusError(.invalidOption, "ackWait < 100 ms") }
        guard maxUnacked >= 1, maxUnacked <= Self.maximumUnackedLimit else {
            throw BusError(.invalidOption, "maxUnacked \(maxUnacked) not in 1…\(Self.maximumUnackedLimit)")
        }
    }

    /// Group and member names: 1…64 characters of `A–Z a–z 0–9 - _`.
    public static func validateName(_ name: String) throws(BusError) {
        guard !name.isEmpty, name.utf8.count <= maximumNameLength, name.utf8.allSatisfy(TopicSpec.isNameByte) else {
            throw BusError(.invalidGroupName, "'\(name)': use 1…\(maximumNameLength) characters of A-Z a-z 0-9 - _")
        }
    }
}
