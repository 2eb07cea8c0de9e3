public import P2PIdentity

/// Whom a session, queue or replay set is for: our identity (a message's source) and the peer's
/// (its destination). Corda's `SessionCounterparties`.
public struct Counterparties: Hashable, Sendable, CustomStringConvertible {
    public let ours: HoldingIdentity
    public let peer: HoldingIdentity

    public init(ours: HoldingIdentity, peer: HoldingIdentity) {
        self.ours = ours
        self.peer = peer
    }

    /// The pair of an outbound message: source → destination.
    public init(outbound header: AuthenticatedMessageHeader) {
        self.init(ours: header.source, peer: header.destination)
    }

    public var description: String { "\(ours) → \(peer)" }
}
