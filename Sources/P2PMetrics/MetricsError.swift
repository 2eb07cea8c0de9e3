@_exported public import P2PErrors

/// A metrics endpoint that could not start or register a source: which rule, and where in our code.
public typealias MetricsError = CodedError<MetricsErrorDomain>

/// The domain of ``MetricsError``.
public enum MetricsErrorDomain: ErrorDomain {
    public static let name = "MetricsError"
}

/// What can fail. Numbers are stable (see `docs/error-codes.md`, range 1000–1099).
extension CodedError.Code where Domain == MetricsErrorDomain {
    /// The port is outside 0…65535.
    public static var invalidPort: Self { Self(1000, "invalid port") }
    /// The host and port could not be bound (in use, no such address, not permitted).
    public static var bindFailed: Self { Self(1001, "bind failed") }
    /// A source registered twice for the same role and member.
    public static var invalidState: Self { Self(1002, "invalid state") }
    // 1003 (too many connections) is retired: `P2PHTTPServer` closes extra connections (its 1302).
    /// A member label that is empty or longer than ``MetricsCollector/maximumMemberLength``.
    public static var invalidMember: Self { Self(1004, "invalid member") }
}
