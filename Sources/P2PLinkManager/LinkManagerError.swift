@_exported public import P2PErrors

/// A link-manager failure: which rule, and where in our code it was detected.
///
/// Errors are equal when their codes are, so tests and callers match on ``code``. The description
/// names the rule and, at most, sizes, field names and identifiers; it never prints payload or key
/// bytes.
public typealias LinkManagerError = CodedError<LinkManagerErrorDomain>

/// The domain of ``LinkManagerError``.
public enum LinkManagerErrorDomain: ErrorDomain {
    public static let name = "LinkManagerError"
}

/// What can fail. Numbers are stable (see `docs/error-codes.md`, range 800–899).
extension CodedError.Code where Domain == LinkManagerErrorDomain {
    // Records (docs/app-records.md).
    public static var unknownRecordType: Self { Self(800, "unknown record type") }
    public static var unsupportedRecordVersion: Self { Self(801, "unsupported record version") }
    public static var truncated: Self { Self(802, "truncated record") }
    public static var fieldTooLarge: Self { Self(803, "field too large") }
    public static var fieldTooShort: Self { Self(804, "field too short") }
    public static var trailingBytes: Self { Self(805, "trailing bytes") }
    public static var invalidUTF8: Self { Self(806, "invalid UTF-8") }
    public static var invalidIdentity: Self { Self(807, "invalid identity") }
    public static var invalidValue: Self { Self(808, "invalid value") }
    public static var expiryMismatch: Self { Self(809, "expiry mismatch") }
    // Outbound (docs/link-manager.md §2, §3).
    public static var queueFull: Self { Self(810, "session queue full") }
    public static var tooManyTrackedMessages: Self { Self(811, "too many tracked messages") }
    public static var unknownSlot: Self { Self(812, "unknown session slot") }
    // Inbound (docs/link-manager.md §5).
    public static var unknownSession: Self { Self(820, "unknown session") }
    public static var sessionNotEstablished: Self { Self(821, "session not established") }
    public static var counterpartiesMismatch: Self { Self(822, "counterparties mismatch") }
    public static var tooManyInboundSessions: Self { Self(823, "too many inbound sessions") }
    // Configuration.
    public static var invalidConfiguration: Self { Self(830, "invalid configuration") }
}
