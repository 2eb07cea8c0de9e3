public import P2PIdentity

/// The first decision on every message taken from `p2p.out` (`docs/link-manager.md` §6): expired,
/// local (both identities hosted in this cluster) or remote.
public enum OutboundRouter {
    public enum Decision: Hashable, Sendable {
        /// TTL already passed: write these markers and this status; send nothing.
        case expired(markers: [DeliveryMarker], status: DeliveryStatus)
        /// Write the message to `p2p.in` under `key`, with these markers and this status.
        case local(key: [UInt8], message: AppMessage, markers: [DeliveryMarker], status: DeliveryStatus?)
        /// Track it and submit it to the pair's session pool.
        case remote
    }

    /// Routes an authenticated message. `isHostedLocally` answers from `p2p.hosted.identities`.
    public static func route(
        _ message: AuthenticatedMessage, key: [UInt8], now: UInt64, isHostedLocally: (HoldingIdentity) -> Bool
    ) -> Decision {
        let header = message.header
        let sent = DeliveryMarker.sent(message, key: key, at: now)
        if header.isExpired(now: now) {
            return .expired(
                markers: [sent, DeliveryMarker(kind: .ttlExpired, source: header.source, messageID: header.messageID, timestamp: now)],
                status: DeliveryStatus(
                    status: .expired, source: header.source, destination: header.destination, messageID: header.messageID,
                    timestamp: now))
        }
        guard isHostedLocally(header.destination) else { return .remote }
        return .local(
            key: key, message: .authenticated(message),
            markers: [sent, DeliveryMarker(kind: .delivered, source: header.source, messageID: header.messageID, timestamp: now)],
            status: DeliveryStatus(
                status: .deliveredLocally, source: header.source, destination: header.destination,
                messageID: header.messageID, timestamp: now))
    }

    /// Routes a fire-and-forget message: locally with no markers, or remote.
    public static func route(
        _ message: UnauthenticatedMessage, key: [UInt8], isHostedLocally: (HoldingIdentity) -> Bool
    ) -> Decision {
        guard isHostedLocally(message.header.destination) else { return .remote }
        return .local(key: key, message: .unauthenticated(message), markers: [], status: nil)
    }
}
