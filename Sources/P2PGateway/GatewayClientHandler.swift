public import NIOCore
public import NIOHTTP1

/// The sending gateway's HTTP handler: writes the requests it is given and reports each complete
/// response (status, body, keep-alive) in order. A response body longer than
/// `GatewayStatusBody.maximumLength` closes the connection. Sits after the HTTP client codec.
public final class GatewayClientHandler: ChannelDuplexHandler {
    public typealias InboundIn = HTTPClientResponsePart
    public typealias OutboundIn = GatewayRequest
    public typealias OutboundOut = HTTPClientRequestPart

    /// One request to post: the Host header value and the batch body.
    public struct GatewayRequest: Sendable {
        public let host: String
        public let body: ByteBuffer

        public init(host: String, body: ByteBuffer) {
            self.host = host
            self.body = body
        }
    }

    /// Called on the channel's event loop for every complete response: status, body, keep-alive.
    public typealias ResponseCallback = (Int, ByteBuffer, Bool) -> Void

    private let onResponse: ResponseCallback
    private var head: HTTPResponseHead?
    private var body: ByteBuffer?

    public init(onResponse: @escaping ResponseCallback) {
        self.onResponse = onResponse
    }

    public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: request.host)
        headers.add(name: "Content-Type", value: GatewayHTTP.contentType)
        headers.add(name: "Content-Length", value: String(request.body.readableBytes))
        headers.add(name: "Connection", value: "keep-alive")
        let head = HTTPRequestHead(version: .http1_1, method: .POST, uri: GatewayHTTP.path, headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(request.body))), promise: nil)
        context.write(wrapOutboundOut(.end(nil)), promise: promise)
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let responseHead):
            head = responseHead
            body = nil
        case .body(var part):
            let length = (body?.readableBytes ?? 0) + part.readableBytes
            guard length <= GatewayStatusBody.maximumLength else {
                context.close(promise: nil)
                return
            }
            if body == nil { body = part } else { body!.writeBuffer(&part) }
        case .end:
            guard let responseHead = head else { return }
            head = nil
            let received = body ?? ByteBuffer()
            body = nil
            onResponse(Int(responseHead.status.code), received, responseHead.isKeepAlive)
        }
    }

    public func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
