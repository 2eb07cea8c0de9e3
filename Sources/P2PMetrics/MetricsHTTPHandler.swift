import NIOCore
import NIOHTTP1

/// Serves one HTTP/1.1 connection of the metrics endpoint: routes each request with
/// ``MetricsRoute``, counts body bytes against the limit, and answers; `HTTPServerPipelineHandler`
/// in front of it keeps pipelined requests in order.
final class MetricsHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    /// The content type of the exposition (Prometheus text format 0.0.4).
    static let expositionContentType = "text/plain; version=0.0.4; charset=utf-8"

    private enum State {
        /// Waiting for a request head.
        case idle
        /// Reading a request's body: the route chosen from its head and the bytes seen so far.
        case receiving(MetricsRoute, keepAlive: Bool, bodyBytes: Int)
        /// A 413 went out and the output is closed: the rest is read and dropped, up to a bound.
        case draining(droppedBytes: Int)
    }

    private let collector: MetricsCollector
    private let maximumBodyBytes: Int
    private var state = State.idle

    init(collector: MetricsCollector, maximumBodyBytes: Int) {
        self.collector = collector
        self.maximumBodyBytes = maximumBodyBytes
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch (unwrapInboundIn(data), state) {
        case (let part, .draining(let dropped)):
            var bytes = 0
            if case .body(let body) = part { bytes = body.readableBytes }
            drain(dropped + bytes, context: context)
        case (.head(let head), .idle):
            let route = MetricsRoute(head, maximumBodyBytes: maximumBodyBytes)
            if route == .payloadTooLarge {
                refuse(context: context)
            } else {
                state = .receiving(route, keepAlive: head.isKeepAlive, bodyBytes: 0)
            }
        case (.body(let body), .receiving(let route, let keepAlive, let bodyBytes)):
            let total = bodyBytes + body.readableBytes
            if total > maximumBodyBytes {
                refuse(context: context)
            } else {
                state = .receiving(route, keepAlive: keepAlive, bodyBytes: total)
            }
        case (.end, .receiving(let route, let keepAlive, _)):
            state = .idle
            answer(route, keepAlive: keepAlive, context: context)
        case (.head, .receiving), (.body, .idle), (.end, .idle):
            // The decoder never produces these orders; close rather than guess.
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

    private func answer(_ route: MetricsRoute, keepAlive: Bool, context: ChannelHandlerContext) {
        switch route {
        case .metrics:
            let collector = self.collector
            let promise = context.eventLoop.makePromise(of: [UInt8].self)
            promise.completeWithTask { await collector.scrape() }
            promise.futureResult.assumeIsolated().whenSuccess { exposition in
                var body = context.channel.allocator.buffer(capacity: exposition.count)
                body.writeBytes(exposition)
                self.respond(.ok, contentType: Self.expositionContentType, body: body, keepAlive: keepAlive, context: context)
            }
        case .health:
            respond(.ok, body: ByteBuffer(string: "ok\n"), keepAlive: keepAlive, context: context)
        case .methodNotAllowed:
            respond(.methodNotAllowed, extra: [("Allow", "GET")], keepAlive: keepAlive, context: context)
        case .notFound:
            respond(.notFound, keepAlive: keepAlive, context: context)
        case .payloadTooLarge:
            refuse(context: context)
        }
    }

    /// Answers 413, closes the output, and drops what the client still sends.
    private func refuse(context: ChannelHandlerContext) {
        state = .draining(droppedBytes: 0)
        respond(.payloadTooLarge, keepAlive: false, context: context) { context in
            context.close(mode: .output, promise: nil)
        }
    }

    private func drain(_ dropped: Int, context: ChannelHandlerContext) {
        if dropped > MetricsServer.maximumDrainedBytes {
            context.close(promise: nil)
        } else {
            state = .draining(droppedBytes: dropped)
        }
    }

    private func respond(
        _ status: HTTPResponseStatus, contentType: String = "text/plain; charset=utf-8", body: ByteBuffer = ByteBuffer(),
        extra: [(String, String)] = [], keepAlive: Bool, context: ChannelHandlerContext,
        then: ((ChannelHandlerContext) -> Void)? = nil
    ) {
        var headers = HTTPHeaders([("Content-Type", contentType), ("Content-Length", String(body.readableBytes))])
        headers.add(contentsOf: extra)
        headers.add(name: "Connection", value: keepAlive ? "keep-alive" : "close")
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        let written = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if let then {
            written.assumeIsolated().whenComplete { _ in then(context) }
        } else if !keepAlive {
            written.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        }
    }
}
