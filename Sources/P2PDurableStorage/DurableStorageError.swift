@_exported public import P2PErrors

/// A durable file read or write that failed; callers map it to their own module's codes.
public typealias DurableStorageError = CodedError<DurableStorageErrorDomain>

/// The domain of ``DurableStorageError``.
public enum DurableStorageErrorDomain: ErrorDomain {
    public static let name = "DurableStorageError"
}

/// What can fail. Numbers are stable (see `docs/error-codes.md`, range 1600–1699).
extension CodedError.Code where Domain == DurableStorageErrorDomain {
    /// A create, write, fsync, rename, read or directory operation failed (the detail names it and errno).
    public static var ioFailed: Self { Self(1600, "I/O failed") }
    /// A file is larger than the reader's bound.
    public static var tooLarge: Self { Self(1601, "file too large") }
}
