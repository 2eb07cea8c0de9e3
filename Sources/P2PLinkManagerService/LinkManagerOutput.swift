public import P2PBus
public import P2PWire

/// What the link-manager engine asks its driver to do, in order.
public enum LinkManagerOutput: Sendable {
    /// Publish a record (to `link.out`, `p2p.in`, `p2p.out.markers` or the status topic).
    case publish(BusRecord)
    /// Write `session.out.partitions` for a session: its frames go to these `link.in` partitions.
    case setPartitions(SessionID, [Int])
    /// Tombstone a session in `session.out.partitions`.
    case removePartitions(SessionID)
    /// Write a tracked message's `sent` marker to `p2p.out.markers.state` (before acknowledging its
    /// `p2p.out` record).
    case putMarkerState(key: String, value: [UInt8])
    /// Delete a finished message's entry from `p2p.out.markers.state`.
    case deleteMarkerState(key: String)
}

/// The topics the link manager reads and writes (Corda's names).
public struct LinkManagerTopics: Sendable, Hashable {
    public var p2pOut = "p2p.out"
    public var p2pIn = "p2p.in"
    public var linkOut = "link.out"
    public var linkIn = "link.in"
    public var markers = "p2p.out.markers"
    /// The table of marker state: the `sent` marker of every tracked message, per `p2p.out` partition.
    public var markerState = "p2p.out.markers.state"
    /// Delivery-status events (`DeliveryStatus` records) for the sending applications.
    public var deliveryStatus = "p2p.delivery.status"

    public init() {}
}

/// What the engine counted since it started.
public struct LinkManagerCounters: Sendable, Hashable {
    /// Messages written to `p2p.in` (remote and local).
    public var deliveredToApplications = 0
    /// Copies received again and not delivered (the de-duplicator's `duplicate` verdicts).
    public var duplicatesDropped = 0
    /// Received after their TTL plus grace: dropped.
    public var expiredOnArrival = 0
    public var dataFramesSent = 0
    public var replays = 0
    public var handshakesCompleted = 0
    /// Frames that failed to decode, open or validate.
    public var framesRejected = 0
    public var statusesDelivered = 0
    public var statusesExpired = 0
    /// `p2p.out` records that were not application messages (or marker state entries that were not `sent` markers).
    public var malformedRecords = 0
    /// Messages tracked again from the marker state of a newly assigned `p2p.out` partition.
    public var markersRecovered = 0
    /// Marker state entries left in the table because the tracker was at its bounds.
    public var markersNotRecovered = 0
    /// Tracked messages let go because their `p2p.out` partition moved to another instance.
    public var markersReleased = 0

    public init() {}
}
