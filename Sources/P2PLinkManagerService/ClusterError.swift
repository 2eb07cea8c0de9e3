@_exported public import P2PErrors

/// A failure of the link-manager driver or of the embedded cluster around it: which rule, and where
/// in our code it was detected.
///
/// Errors are equal when their codes are. The description names the rule and at most identifiers,
/// sizes and field names; never payload, key or certificate bytes.
public typealias ClusterError = CodedError<ClusterErrorDomain>

/// The domain of ``ClusterError``.
public enum ClusterErrorDomain: ErrorDomain {
    public static let name = "ClusterError"
}

/// What can fail. Numbers are stable (see `docs/error-codes.md`, range 900–999).
extension CodedError.Code where Domain == ClusterErrorDomain {
    /// A hosted identity's key (session or TLS) is missing, or cannot be opened with the cluster key.
    public static var keyUnavailable: Self { Self(901, "key unavailable") }
    /// A `link.out` or `session.out.partitions` value does not decode.
    public static var malformedRecord: Self { Self(902, "malformed record") }
    /// The cluster's setup is incomplete: no hosted identity, no gateway configuration, no trust roots.
    public static var incompleteSetup: Self { Self(903, "incomplete setup") }
    /// The service was started twice, or used after it stopped.
    public static var invalidState: Self { Self(904, "invalid state") }
    /// The demo lost or duplicated messages, or did not finish in time.
    public static var demoFailed: Self { Self(905, "demo failed") }
}
