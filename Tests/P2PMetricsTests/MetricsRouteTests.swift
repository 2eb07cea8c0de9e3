import NIOHTTP1
import P2PMetrics
import Testing

@Suite("Metrics routes as values")
struct MetricsRouteTests {
    static func head(_ method: HTTPMethod, _ uri: String, contentLength: Int? = nil) -> HTTPRequestHead {
        var headers = HTTPHeaders()
        if let contentLength { headers.add(name: "Content-Length", value: String(contentLength)) }
        return HTTPRequestHead(version: .http1_1, method: method, uri: uri, headers: headers)
    }

    @Test func knownPathsWithGet() {
        #expect(MetricsRoute(Self.head(.GET, "/metrics")) == .metrics)
        #expect(MetricsRoute(Self.head(.GET, "/metrics?name=x")) == .metrics)
        #expect(MetricsRoute(Self.head(.GET, "/healthz")) == .health)
    }

    @Test func otherMethodsPathsAndSizes() {
        #expect(MetricsRoute(Self.head(.POST, "/metrics")) == .methodNotAllowed)
        #expect(MetricsRoute(Self.head(.HEAD, "/healthz")) == .methodNotAllowed)
        #expect(MetricsRoute(Self.head(.GET, "/metrics/")) == .notFound)
        #expect(MetricsRoute(Self.head(.POST, "/other")) == .notFound)
        #expect(MetricsRoute(Self.head(.GET, "")) == .notFound)
        let limit = MetricsServer.maximumRequestBodyBytes
        #expect(MetricsRoute(Self.head(.GET, "/metrics", contentLength: limit)) == .metrics)
        #expect(MetricsRoute(Self.head(.GET, "/metrics", contentLength: limit + 1)) == .payloadTooLarge)
        #expect(MetricsRoute(Self.head(.POST, "/nowhere", contentLength: limit + 1)) == .payloadTooLarge)
    }
}
