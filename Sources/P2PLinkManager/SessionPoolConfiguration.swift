public import P2PMembership

/// The settings of an ``OutboundSessionPool``: Corda's session settings plus the queue bounds.
public struct SessionPoolConfiguration: Hashable, Sendable {
    /// Messages queued per pair while no session is active.
    public static let defaultMaximumQueuedMessages = 1_024
    /// Payload bytes queued per pair while no session is active: 16 MiB.
    public static let defaultMaximumQueuedBytes = 16 * 1024 * 1024

    public var sessionsPerPeer: Int
    public var heartbeatPeriodMillis: UInt64
    public var sessionTimeoutMillis: UInt64
    /// How often a pending session resends its last handshake message.
    public var handshakeResendPeriodMillis: UInt64
    public var maximumQueuedMessages: Int
    public var maximumQueuedBytes: Int
    /// An active session older than this is replaced by a fresh handshake (new keys); nil = never.
    public var sessionRefreshMillis: UInt64?

    public init(
        sessionsPerPeer: Int = 4, heartbeatPeriodMillis: UInt64 = 2_000, sessionTimeoutMillis: UInt64 = 10_000,
        handshakeResendPeriodMillis: UInt64 = 2_000, maximumQueuedMessages: Int = Self.defaultMaximumQueuedMessages,
        maximumQueuedBytes: Int = Self.defaultMaximumQueuedBytes, sessionRefreshMillis: UInt64? = nil
    ) throws(LinkManagerError) {
        guard (1...16).contains(sessionsPerPeer) else {
            throw LinkManagerError(.invalidConfiguration, "sessionsPerPeer \(sessionsPerPeer) not in 1…16")
        }
        guard heartbeatPeriodMillis > 0, heartbeatPeriodMillis < sessionTimeoutMillis,
            sessionTimeoutMillis <= UInt64(LinkManagerConfiguration.maximumDurationMillis)
        else {
            throw LinkManagerError(.invalidConfiguration, "need 0 < heartbeat period < session timeout ≤ 1 day")
        }
        guard handshakeResendPeriodMillis > 0 else {
            throw LinkManagerError(.invalidConfiguration, "handshake resend period must be positive")
        }
        guard maximumQueuedMessages > 0, maximumQueuedBytes > 0 else {
            throw LinkManagerError(.invalidConfiguration, "queue bounds must be positive")
        }
        guard (sessionRefreshMillis ?? sessionTimeoutMillis) >= sessionTimeoutMillis else {
            throw LinkManagerError(.invalidConfiguration, "session refresh must not come before the session timeout")
        }
        self.sessionsPerPeer = sessionsPerPeer
        self.heartbeatPeriodMillis = heartbeatPeriodMillis
        self.sessionTimeoutMillis = sessionTimeoutMillis
        self.handshakeResendPeriodMillis = handshakeResendPeriodMillis
        self.maximumQueuedMessages = maximumQueuedMessages
        self.maximumQueuedBytes = maximumQueuedBytes
        self.sessionRefreshMillis = sessionRefreshMillis
    }

    /// The pool settings of a (validated) link-manager configuration; handshakes resend every
    /// `replayPeriodMillis`; sessions are refreshed after `sessionRefreshThresholdSeconds`.
    public init(_ configuration: LinkManagerConfiguration) throws(LinkManagerError) {
        try self.init(
            sessionsPerPeer: configuration.sessionsPerPeer,
            heartbeatPeriodMillis: UInt64(max(1, configuration.heartbeatPeriodMillis)),
            sessionTimeoutMillis: UInt64(max(1, configuration.sessionTimeoutMillis)),
            handshakeResendPeriodMillis: UInt64(max(1, configuration.replayPeriodMillis)),
            sessionRefreshMillis: UInt64(max(0, configuration.sessionRefreshThresholdSeconds)) * 1_000)
    }
}
