public import NIOCore
public import NIOHTTP1

/// A whole request, body included (bounded by ``HTTPServer/Limits/maximumBodyBytes``).
public struct HTTPServerRequest: Sendable {
    public let head: HTTPRequestHead
    public let body: ByteBuffer

    public init(head: HTTPRequestHead, body: ByteBuffer) {
        self.head = head
        self.body = body
    }

    public var method: HTTPMethod { head.method }
    /// The path without the query string.
    public var path: Substring { head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? "" }
    /// The query string after `?`, if any.
    public var query: Substring? {
        let parts = head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        return parts.count == 2 ? parts[1] : nil
    }
}

/// What the handler answers. `Content-Length` and `Connection` are set by the server.
public struct HTTPServerResponse: Sendable {
    public var status: HTTPResponseStatus
    public var headers: HTTPHeaders
    public var body: ByteBuffer

    public init(status: HTTPResponseStatus, headers: HTTPHeaders = HTTPHeaders(), body: ByteBuffer = ByteBuffer()) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A `text/plain` response; an empty text gets an empty body.
    public static func text(_ status: HTTPResponseStatus, _ text: String = "", headers: HTTPHeaders = HTTPHeaders()) -> Self {
        var all = HTTPHeaders([("Content-Type", "text/plain; charset=utf-8")])
        all.add(contentsOf: headers)
        return HTTPServerResponse(status: status, headers: all, body: ByteBuffer(string: text))
    }

    /// 405 with the `Allow` header naming the methods the path takes.
    public static func methodNotAllowed(allow: [HTTPMethod]) -> Self {
        .text(.methodNotAllowed, headers: HTTPHeaders([("Allow", allow.map(\.rawValue).joined(separator: ", "))]))
    }
}
