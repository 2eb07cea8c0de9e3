public import NIOHTTP1

/// What the endpoint answers to a request head: a pure decision, tested as a value.
public enum MetricsRoute: Sendable, Hashable {
    /// `GET /metrics`: 200 with the exposition.
    case metrics
    /// `GET /healthz`: 200 with `ok`.
    case health
    /// A known path with another method: 405.
    case methodNotAllowed
    /// Any other path: 404.
    case notFound
    /// A declared body longer than ``MetricsServer/maximumRequestBodyBytes``: 413.
    case payloadTooLarge

    /// The path of the exposition.
    public static let metricsPath = "/metrics"
    /// The path of the liveness check.
    public static let healthPath = "/healthz"

    /// Routes a request head. The declared body size is checked first, then the path (query string
    /// ignored), then the method.
    public init(_ head: HTTPRequestHead, maximumBodyBytes: Int = MetricsServer.maximumRequestBodyBytes) {
        if let declared = head.headers.first(name: "content-length"), let length = Int(declared), length > maximumBodyBytes {
            self = .payloadTooLarge
            return
        }
        let path = head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        let isGet = head.method == .GET
        switch path {
        case Self.metricsPath[...]: self = isGet ? .metrics : .methodNotAllowed
        case Self.healthPath[...]: self = isGet ? .health : .methodNotAllowed
        default: self = .notFound
        }
    }
}
