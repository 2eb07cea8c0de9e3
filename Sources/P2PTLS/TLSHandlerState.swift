import NIOCore

/// Where a ``TLSHandler`` is in a connection's life.
///
/// ```
/// idle ─▶ handshaking ─▶ verifying ─▶ active ─▶ closing ─▶ closed
///             └──────────────┴────────────┴─────────┴──────▶ closed (failure, timeout, EOF)
/// ```
enum TLSHandlerState {
    /// Added to a channel that is not active yet.
    case idle
    /// `SSL_do_handshake` in progress; writes are buffered.
    case handshaking
    /// OpenSSL accepted the peer's chain; the revocation check is running.
    case verifying
    /// Application data flows.
    case active
    /// Our close_notify is sent; waiting for the peer's until the timer fires.
    case closing(Scheduled<Void>)
    case closed

    var name: String {
        switch self {
        case .idle: "idle"
        case .handshaking: "handshaking"
        case .verifying: "verifying"
        case .active: "active"
        case .closing: "closing"
        case .closed: "closed"
        }
    }
}
