@_exported public import P2PErrors

/// A doorman operation that failed: a request refused, a store that could not be written, a chain
/// the node side does not accept.
public typealias DoormanError = CodedError<DoormanErrorDomain>

/// The domain of ``DoormanError``.
public enum DoormanErrorDomain: ErrorDomain {
    public static let name = "DoormanError"
}

/// What can fail. Numbers are stable (see `docs/error-codes.md`, range 1200–1299).
extension CodedError.Code where Domain == DoormanErrorDomain {
    // A submitted request (HTTP 400 / 413 / 503).
    public static var malformedRequest: Self { Self(1200, "malformed certificate signing request") }
    public static var invalidRequestSignature: Self { Self(1201, "invalid request signature") }
    public static var invalidLegalName: Self { Self(1202, "invalid legal name") }
    public static var unsupportedRole: Self { Self(1203, "unsupported role") }
    public static var unsupportedKey: Self { Self(1204, "unsupported key") }
    public static var requestTooLarge: Self { Self(1205, "request too large") }
    public static var tooManyPendingRequests: Self { Self(1206, "too many pending requests") }
    // Decisions.
    public static var unknownRequest: Self { Self(1207, "unknown request") }
    public static var invalidTransition: Self { Self(1208, "invalid transition") }
    public static var nameAlreadyIssued: Self { Self(1209, "name already issued") }
    public static var invalidReason: Self { Self(1210, "invalid reason") }
    // The doorman's own state.
    public static var storageFailed: Self { Self(1211, "storage failed") }
    public static var corruptRecord: Self { Self(1212, "corrupt record") }
    public static var notInitialised: Self { Self(1213, "doorman not initialised") }
    public static var issuanceFailed: Self { Self(1214, "issuance failed") }
    public static var invalidConfiguration: Self { Self(1215, "invalid configuration") }
    // The node side.
    public static var unexpectedResponse: Self { Self(1216, "unexpected response") }
    public static var requestRejected: Self { Self(1217, "request rejected") }
    public static var chainRejected: Self { Self(1218, "chain rejected") }
    public static var timedOut: Self { Self(1219, "timed out") }
    public static var connectionFailed: Self { Self(1220, "connection failed") }
    public static var invalidArchive: Self { Self(1221, "invalid archive") }
}
