/// The type byte of a link frame (offset 5 of its header).
public enum LinkFrameType: UInt8, Hashable, Sendable, CaseIterable {
    case initiatorHello = 1
    case responderHello = 2
    case initiatorHandshake = 3
    case responderHandshake = 4
    case data = 5
    case ack = 6
    case heartbeat = 7
    case unauthenticated = 8

    /// Whether the body is a u32-length sealed payload (with an expiry before it for Data), so that
    /// its length follows from the sealed payload's length.
    public var hasSealedPayload: Bool {
        switch self {
        case .initiatorHandshake, .responderHandshake, .data, .ack, .heartbeat: true
        case .initiatorHello, .responderHello, .unauthenticated: false
        }
    }
}
