import P2PIdentity
import P2PLinkManager
import P2PSession
import P2PWire

/// A transport session in a reference box, so that the engine's dictionaries can hold it.
final class TransportBox {
    var transport: TransportSession
    init(_ transport: consuming TransportSession) { self.transport = transport }
}

/// An outbound session (we are the initiator): handshake first, then the transport.
final class OutboundSession {
    let pair: Counterparties
    var initiator: SessionInitiator?
    var transport: TransportBox?
    /// The last handshake frame sent (InitiatorHello or InitiatorHandshake), for `resendHandshake`.
    var lastHandshake: LinkFrame?
    var heartbeatSequence: UInt64 = 0

    init(pair: Counterparties, initiator: consuming SessionInitiator) {
        self.pair = pair
        self.initiator = Optional(initiator)
    }
}

/// An inbound session (we are the responder).
final class InboundSession {
    let peer: HoldingIdentity
    var responder: SessionResponder?
    var transport: TransportBox?
    /// The last handshake answer (ResponderHello or ResponderHandshake), for retransmissions.
    var lastResponse: LinkFrame?

    init(peer: HoldingIdentity, responder: consuming SessionResponder) {
        self.peer = peer
        self.responder = Optional(responder)
    }
}
