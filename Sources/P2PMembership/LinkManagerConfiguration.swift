/// The link manager's configuration (table `config`, key `p2p.linkManager`). Every field has a
/// default; durations are whole milliseconds and sizes whole bytes, named with their unit.
/// `docs/configuration.md` lists each field with its default, unit and Corda counterpart.
public struct LinkManagerConfiguration: ComponentConfiguration {
    public static let configurationKey = "p2p.linkManager"

    /// How unacknowledged messages and handshake messages are sent again.
    public enum ReplayAlgorithm: String, Codable, Sendable, Hashable, CaseIterable {
        /// Every `replayPeriodMillis`.
        case constant = "CONSTANT"
        /// After `replayPeriodMillis`, doubling each time up to `replayPeriodCutoffMillis`.
        case exponentialBackoff = "EXPONENTIAL_BACKOFF"
    }

    public static let maximumDurationMillis = 86_400_000

    public var maxMessageSizeBytes = 1_000_000
    public var maxReplayingMessages = 100
    public var heartbeatPeriodMillis = 2_000
    public var sessionTimeoutMillis = 10_000
    public var sessionsPerPeer = 4
    public var replayAlgorithm = ReplayAlgorithm.constant
    public var replayPeriodMillis = 2_000
    public var replayPeriodCutoffMillis = 10_000
    public var inboundSessionIdleExpiryMillis = 600_000
    public var sessionRefreshThresholdSeconds = 432_000

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case maxMessageSizeBytes, maxReplayingMessages, heartbeatPeriodMillis, sessionTimeoutMillis, sessionsPerPeer,
            replayAlgorithm, replayPeriodMillis, replayPeriodCutoffMillis, inboundSessionIdleExpiryMillis,
            sessionRefreshThresholdSeconds
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownFields(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = LinkManagerConfiguration()
        maxMessageSizeBytes = try c.value(.maxMessageSizeBytes, default: d.maxMessageSizeBytes)
        maxReplayingMessages = try c.value(.maxReplayingMessages, default: d.maxReplayingMessages)
        heartbeatPeriodMillis = try c.value(.heartbeatPeriodMillis, default: d.heartbeatPeriodMillis)
        sessionTimeoutMillis = try c.value(.sessionTimeoutMillis, default: d.sessionTimeoutMillis)
        sessionsPerPeer = try c.value(.sessionsPerPeer, default: d.sessionsPerPeer)
        replayAlgorithm = try c.value(.replayAlgorithm, default: d.replayAlgorithm)
        replayPeriodMillis = try c.value(.replayPeriodMillis, default: d.replayPeriodMillis)
        replayPeriodCutoffMillis = try c.value(.replayPeriodCutoffMillis, default: d.replayPeriodCutoffMillis)
        inboundSessionIdleExpiryMillis = try c.value(.inboundSessionIdleExpiryMillis, default: d.inboundSessionIdleExpiryMillis)
        sessionRefreshThresholdSeconds = try c.value(.sessionRefreshThresholdSeconds, default: d.sessionRefreshThresholdSeconds)
    }

    public func validate(prefix: String = "") throws(MembershipError) {
        let f = { (name: String) in Bounds.field(prefix, name) }
        try Bounds.check(maxMessageSizeBytes, in: GroupParameters.maxMessageSizeRange, f("maxMessageSizeBytes"), unit: "bytes")
        try Bounds.check(maxReplayingMessages, in: 1...100_000, f("maxReplayingMessages"), unit: "messages")
        try Bounds.check(heartbeatPeriodMillis, in: 100...Self.maximumDurationMillis, f("heartbeatPeriodMillis"), unit: "ms")
        try Bounds.check(sessionTimeoutMillis, in: 100...Self.maximumDurationMillis, f("sessionTimeoutMillis"), unit: "ms")
        try Bounds.check(sessionsPerPeer, in: 1...16, f("sessionsPerPeer"), unit: "sessions")
        try Bounds.check(replayPeriodMillis, in: 10...Self.maximumDurationMillis, f("replayPeriodMillis"), unit: "ms")
        try Bounds.check(replayPeriodCutoffMillis, in: 10...Self.maximumDurationMillis, f("replayPeriodCutoffMillis"), unit: "ms")
        try Bounds.check(
            inboundSessionIdleExpiryMillis, in: 1_000...Self.maximumDurationMillis, f("inboundSessionIdleExpiryMillis"), unit: "ms")
        try Bounds.check(sessionRefreshThresholdSeconds, in: 60...31_536_000, f("sessionRefreshThresholdSeconds"), unit: "s")
        guard heartbeatPeriodMillis < sessionTimeoutMillis else {
            throw MembershipError(
                .invalidConfiguration, field: f("heartbeatPeriodMillis"),
                "must be less than sessionTimeoutMillis, or idle sessions time out")
        }
        guard replayPeriodMillis <= replayPeriodCutoffMillis else {
            throw MembershipError(.invalidConfiguration, field: f("replayPeriodCutoffMillis"), "must not be less than replayPeriodMillis")
        }
    }
}
