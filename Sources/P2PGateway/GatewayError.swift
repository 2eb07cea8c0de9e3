/// A gateway failure: an HTTP rejection, a per-frame status, or a sending failure, and where in our
/// code it was detected.
public struct GatewayError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What failed. Numbers are stable and travel in status bodies (see `docs/error-codes.md`, 700–799).
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: Int
        public let name: String
        private init(_ rawValue: Int, _ name: String) {
            self.rawValue = rawValue
            self.name = name
        }
        public var description: String { "\(name) (\(rawValue))" }

        // Rejections of a request (server side).
        public static let methodNotAllowed = Code(700, "method not allowed")
        public static let methodNotImplemented = Code(701, "method not implemented")
        public static let notFound = Code(702, "not found")
        public static let versionNotSupported = Code(703, "version not supported")
        public static let lengthRequired = Code(704, "length required")
        public static let unsupportedMediaType = Code(705, "unsupported media type")
        public static let requestTooLarge = Code(706, "request too large")
        public static let malformedBatch = Code(707, "malformed batch")
        public static let busUnavailable = Code(708, "bus unavailable")
        // Per-frame statuses.
        public static let unknownSession = Code(709, "unknown session")
        public static let frameExpired = Code(710, "frame expired")
        public static let malformedRequest = Code(711, "malformed request")
        // Sending side.
        public static let responseTimeout = Code(712, "response timeout")
        public static let connectionFailed = Code(713, "connection failed")
        public static let queueFull = Code(714, "queue full")
        public static let retriesExhausted = Code(715, "retries exhausted")
        public static let rejected = Code(716, "rejected")
        public static let malformedResponse = Code(717, "malformed response")
        public static let invalidEndpoint = Code(718, "invalid endpoint")
        public static let tooManyPipelinedRequests = Code(719, "too many pipelined requests")
        public static let shutDown = Code(720, "shut down")
        // Applying a new configuration.
        public static let listenerUnavailable = Code(721, "listener unavailable")
        public static let tlsContextsUnavailable = Code(722, "TLS contexts unavailable")

        /// Every code, to map a number read from a status body back to its name.
        public static let all: [Code] = [
            methodNotAllowed, methodNotImplemented, notFound, versionNotSupported, lengthRequired,
            unsupportedMediaType, requestTooLarge, malformedBatch, busUnavailable, unknownSession, frameExpired,
            malformedRequest, responseTimeout, connectionFailed, queueFull, retriesExhausted, rejected,
            malformedResponse, invalidEndpoint, tooManyPipelinedRequests, shutDown, listenerUnavailable,
            tlsContextsUnavailable,
        ]

        /// The code with this number, if it is one of ours.
        public init?(rawValue: Int) {
            guard let code = Self.all.first(where: { $0.rawValue == rawValue }) else { return nil }
            self = code
        }
    }

    public let code: Code
    public let detail: String
    public let file: String
    public let line: Int

    public init(_ code: Code, _ detail: String = "", file: String = #fileID, line: Int = #line) {
        self.code = code
        self.detail = detail
        self.file = file
        self.line = line
    }

    public var description: String {
        detail.isEmpty ? "GatewayError: \(code)" : "GatewayError: \(code): \(detail)"
    }

    /// Errors are equal when their codes are: tests assert on codes, not on wording.
    public static func == (lhs: GatewayError, rhs: GatewayError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
