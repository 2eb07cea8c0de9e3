@_exported public import P2PErrors

/// An HTTP server that could not start: which rule, and where in our code.
public typealias HTTPServerError = CodedError<HTTPServerErrorDomain>

/// The domain of ``HTTPServerError``.
public enum HTTPServerErrorDomain: ErrorDomain {
    public static let name = "HTTPServerError"
}

/// What can fail. Numbers are stable (see `docs/error-codes.md`, range 1300–1399).
extension CodedError.Code where Domain == HTTPServerErrorDomain {
    /// The port is outside 0…65535.
    public static var invalidPort: Self { Self(1300, "invalid port") }
    /// The host and port could not be bound (in use, no such address, not permitted).
    public static var bindFailed: Self { Self(1301, "bind failed") }
    /// A connection beyond ``HTTPServer/Limits/maximumConnections``: closed as soon as accepted.
    public static var tooManyConnections: Self { Self(1302, "too many connections") }
    /// A limit that is not positive.
    public static var invalidLimits: Self { Self(1303, "invalid limits") }
}
