@_exported public import P2PErrors

/// A gateway failure: an HTTP rejection, a per-frame status, or a sending failure, and where in our
/// code it was detected.
public typealias GatewayError = CodedError<GatewayErrorDomain>

/// The domain of ``GatewayError``.
public enum GatewayErrorDomain: ErrorDomain {
    public static let name = "GatewayError"
}

/// What can fail. Numbers are stable and travel in status bodies (see `docs/error-codes.md`, 700–799).
extension CodedError.Code where Domain == GatewayErrorDomain {
    // Rejections of a request (server side).
    public static var methodNotAllowed: Self { Self(700, "method not allowed") }
    public static var methodNotImplemented: Self { Self(701, "method not implemented") }
    public static var notFound: Self { Self(702, "not found") }
    public static var versionNotSupported: Self { Self(703, "version not supported") }
    public static var lengthRequired: Self { Self(704, "length required") }
    public static var unsupportedMediaType: Self { Self(705, "unsupported media type") }
    public static var requestTooLarge: Self { Self(706, "request too large") }
    public static var malformedBatch: Self { Self(707, "malformed batch") }
    public static var busUnavailable: Self { Self(708, "bus unavailable") }
    // Per-frame statuses.
    public static var unknownSession: Self { Self(709, "unknown session") }
    public static var frameExpired: Self { Self(710, "frame expired") }
    public static var malformedRequest: Self { Self(711, "malformed request") }
    // Sending side.
    public static var responseTimeout: Self { Self(712, "response timeout") }
    public static var connectionFailed: Self { Self(713, "connection failed") }
    public static var queueFull: Self { Self(714, "queue full") }
    public static var retriesExhausted: Self { Self(715, "retries exhausted") }
    public static var rejected: Self { Self(716, "rejected") }
    public static var malformedResponse: Self { Self(717, "malformed response") }
    public static var invalidEndpoint: Self { Self(718, "invalid endpoint") }
    public static var tooManyPipelinedRequests: Self { Self(719, "too many pipelined requests") }
    public static var shutDown: Self { Self(720, "shut down") }
    // Applying a new configuration.
    public static var listenerUnavailable: Self { Self(721, "listener unavailable") }
    public static var tlsContextsUnavailable: Self { Self(722, "TLS contexts unavailable") }

    /// Every code, to map a number read from a status body back to its name.
    public static var all: [Self] {
        [
            .methodNotAllowed, .methodNotImplemented, .notFound, .versionNotSupported, .lengthRequired,
            .unsupportedMediaType, .requestTooLarge, .malformedBatch, .busUnavailable, .unknownSession, .frameExpired,
            .malformedRequest, .responseTimeout, .connectionFailed, .queueFull, .retriesExhausted, .rejected,
            .malformedResponse, .invalidEndpoint, .tooManyPipelinedRequests, .shutDown, .listenerUnavailable,
            .tlsContextsUnavailable,
        ]
    }

    /// The code with this number, if it is one of ours.
    public init?(rawValue: Int) {
        guard let code = Self.all.first(where: { $0.rawValue == rawValue }) else { return nil }
        self = code
    }
}
