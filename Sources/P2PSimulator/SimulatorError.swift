@_exported public import P2PErrors

/// What the app simulator refused: a malformed payload or event, a bad option, a database failure.
public typealias SimulatorError = CodedError<SimulatorErrorDomain>

/// The domain of ``SimulatorError``.
public enum SimulatorErrorDomain: ErrorDomain {
    public static let name = "SimulatorError"
}

/// What can fail. Numbers are stable (see `docs/error-codes.md`, range 1500–1599).
extension CodedError.Code where Domain == SimulatorErrorDomain {
    /// A `p2p.in` message whose payload is not a simulator payload.
    public static var malformedPayload: Self { Self(1500, "malformed payload") }
    /// A `p2p.app.received_msg` value that is not a received event.
    public static var malformedEvent: Self { Self(1501, "malformed event") }
    /// A payload or event of a version this build does not know.
    public static var unsupportedVersion: Self { Self(1502, "unsupported version") }
    /// An option outside its bounds.
    public static var invalidOption: Self { Self(1503, "invalid option") }
    /// PostgreSQL could not be reached, refused the login, or a statement failed.
    public static var databaseFailed: Self { Self(1504, "database failed") }
}
