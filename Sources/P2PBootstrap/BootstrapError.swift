@_exported public import P2PErrors

/// A bootstrap run that could not read or write its directory: which rule, and where in our code. Plan errors are
/// `MembershipError`s naming the plan's field.
public typealias BootstrapError = CodedError<BootstrapErrorDomain>

/// The domain of ``BootstrapError``.
public enum BootstrapErrorDomain: ErrorDomain {
    public static let name = "BootstrapError"
}

/// What can fail. Numbers are stable (see `docs/error-codes.md`, range 1400–1499).
extension CodedError.Code where Domain == BootstrapErrorDomain {
    /// A file or directory could not be created or written.
    public static var fileUnwritable: Self { Self(1400, "file unwritable") }
    /// An existing file could not be read, is too large, or does not decode (it is never overwritten then).
    public static var fileUnreadable: Self { Self(1401, "file unreadable") }
    /// Key material or certificates could not be generated or issued.
    public static var issuanceFailed: Self { Self(1402, "issuance failed") }
}
