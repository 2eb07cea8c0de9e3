import NIOCore
import NIOHTTP1

/// Serves one HTTP/1.1 connection: collects each request's body against the limit, hands the whole request to
/// the server's handler and writes its answer; `HTTPServerPipelineHandler` in front of it keeps pipelined requests
/// in order (it holds the next request until this one's response is complete).
final class HTTPServerConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private enum State {
        /// Waiting for a request head.
        case idle
        /// Reading a request's body.
        case receiving(HTTPRequestHead, body: ByteBuffer)
        /// The handler is answering.
        case answering
        /// A 413 went out and the output is closed: the rest is read and dropped, up to a bound.
        case draining(droppedBytes: Int)
    }

    private let limits: HTTPServer.Limits
    private let handler: HTTPServer.Handler
    private var state = State.idle

    init(limits: HTTPServer.Limits, handler: @escaping HTTPServer.Handler) {
        self.limits = limits
        self.handler = handler
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch (unwrapInboundIn(data), state) {
        case (let part, .draining(let dropped)):
            var bytes = 0
            if case .body(let body) = part { bytes = body.readableBytes }
            drain(dropped + bytes, context: context)
        case (.head(let head), .idle):
            if let declared = head.headers.first(name: "content-length"), let length = Int(declared),
                length > limits.maximumBodyBytes
            {
                refuse(context: context)
            } else {
                state = .receiving(head, body: context.channel.allocator.buffer(capacity: 0))
            }
        case (.body(var part), .receiving(let head, var body)):
            guard body.readableBytes + part.readableBytes <= limits.maximumBodyBytes else {
                refuse(context: context)
                return
            }
            state = .idle  // one reference to the body while it grows
            body.writeBuffer(&part)
            state = .receiving(head, body: body)
        case (.end, .receiving(let head, let body)):
            state = .answering
            answer(HTTPServerRequest(head: head, body: body), context: context)
        case (.head, .receiving), (.head, .answering), (.body, .idle), (.body, .answering), (.end, .idle),
            (.end, .answering):
            // The decoder and the pipeline handler never produce these orders; close rather than guess.
            context.close(promise: nil)
        }
    }

    /// Closes a connection that stays silent past the idle timeout.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // HTTPServerProtocolErrorHandler has answered 400 to a parser error; the decoder closes.
        context.close(promise: nil)
    }

    private func answer(_ request: HTTPServerRequest, context: ChannelHandlerContext) {
        let keepAlive = request.head.isKeepAlive
        let handler = self.handler
        let promise = context.eventLoop.makePromise(of: HTTPServerResponse.self)
        promise.completeWithTask { await handler(request) }
        promise.futureResult.assumeIsolated().whenSuccess { response in
            guard case .answering = self.state else { return }  // the connection failed meanwhile
            self.state = .idle
            self.respond(response, keepAlive: keepAlive, context: context)
        }
    }

    /// Answers 413, closes the output, and drops what the client still sends.
    private func refuse(context: ChannelHandlerContext) {
        state = .draining(droppedBytes: 0)
        respond(.text(.payloadTooLarge, "the request body is over \(limits.maximumBodyBytes) bytes\n"), keepAlive: false, context: context) {
            context in context.close(mode: .output, promise: nil)
        }
    }

    private func drain(_ dropped: Int, context: ChannelHandlerContext) {
        if dropped > limits.maximumDrainedBytes {
            context.close(promise: nil)
        } else {
            state = .draining(droppedBytes: dropped)
        }
    }

    private func respond(
        _ response: HTTPServerResponse, keepAlive: Bool, context: ChannelHandlerContext,
        then: ((ChannelHandlerContext) -> Void)? = nil
    ) {
        var headers = response.headers
        headers.replaceOrAdd(name: "Content-Length", value: String(response.body.readableBytes))
        headers.replaceOrAdd(name: "Connection", value: keepAlive ? "keep-alive" : "close")
        let head = HTTPResponseHead(version: .http1_1, status: response.status, headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if response.body.readableBytes > 0 { context.write(wrapOutboundOut(.body(.byteBuffer(response.body))), promise: nil) }
        let written = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if let then {
            written.assumeIsolated().whenComplete { _ in then(context) }
        } else if !keepAlive {
            written.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        }
    }
}
