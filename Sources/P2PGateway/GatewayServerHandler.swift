public import NIOCore
public import NIOHTTP1
public import P2PMembership
public import P2PWire

/// The receiving gateway's HTTP handler: carries out `InboundConnectionStateMachine`'s actions,
/// decodes each batch, routes its frames (`InboundRouter`) and hands them to the publisher. Sits after
/// `HTTPResponseEncoder` and the `HTTPRequestDecoder` (and after TLS, when there is TLS).
public final class GatewayServerHandler: ChannelDuplexHandler, RemovableChannelHandler {
    public typealias InboundIn = HTTPServerRequestPart
    public typealias OutboundIn = HTTPServerResponsePart
    public typealias OutboundOut = HTTPServerResponsePart

    public struct Configuration: Sendable {
        /// The largest request body accepted, read at every request head (changeable while the
        /// server runs); clamped to the batch limits' maximum body length.
        public let requestSizeLimit: RequestSizeLimit
        public var batchLimits: BatchLimits
        /// Milliseconds since the Unix epoch, to drop expired frames.
        public var nowMilliseconds: @Sendable () -> UInt64

        public init(
            maximumRequestSize: Int = BatchLimits.defaultMaximumBodyLength, batchLimits: BatchLimits = .default,
            nowMilliseconds: @escaping @Sendable () -> UInt64 = GatewayServerHandler.wallClockMilliseconds
        ) {
            self.requestSizeLimit = RequestSizeLimit(bytes: maximumRequestSize, ceiling: batchLimits.maximumBodyLength)
            self.batchLimits = batchLimits
            self.nowMilliseconds = nowMilliseconds
        }

        /// The limit in force now.
        public var maximumRequestSize: Int { requestSizeLimit.bytes }
    }

    /// The system's real-time clock, in milliseconds since the Unix epoch.
    public static let wallClockMilliseconds: @Sendable () -> UInt64 = { WallClock.nowMilliseconds() }

    private let configuration: Configuration
    private let publisher: any InboundPublisher
    private let sessions: SessionPartitionsDirectory
    private var machine: InboundConnectionStateMachine
    private var readDeferred = false
    private var active = true

    public init(configuration: Configuration, publisher: any InboundPublisher, sessions: SessionPartitionsDirectory) {
        self.configuration = configuration
        self.publisher = publisher
        self.sessions = sessions
        self.machine = InboundConnectionStateMachine(maximumRequestSize: configuration.maximumRequestSize)
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            perform(machine.requestHead(head, maximumRequestSize: configuration.requestSizeLimit.bytes), context: context)
        case .body(let part): perform(machine.requestBody(part), context: context)
        case .end: perform(machine.requestEnd(), context: context)
        }
    }

    public func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if error is HTTPParserError {
            perform(machine.parseError(), context: context)
        } else {
            context.close(promise: nil)
        }
    }

    public func channelInactive(context: ChannelHandlerContext) {
        active = false
        context.fireChannelInactive()
    }

    public func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent, machine.pending == 0 {
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    public func read(context: ChannelHandlerContext) {
        if machine.shouldRead {
            context.read()
        } else {
            readDeferred = true
        }
    }

    /// Stops taking new requests: those already received are answered (the last with
    /// `Connection: close`), then the connection closes. Call on the channel's event loop.
    func drain(context: ChannelHandlerContext) {
        perform(machine.drain(), context: context)
    }

    private func perform(_ action: InboundConnectionStateMachine.Action, context: ChannelHandlerContext) {
        switch action {
        case .none:
            break
        case .process(let id, let body):
            process(id: id, body: body, context: context)
        case .write(let responses):
            write(responses, context: context)
        case .close:
            context.close(promise: nil)
        }
    }

    private func process(id: Int, body: ByteBuffer, context: ChannelHandlerContext) {
        let batch: FrameBatch
        do {
            batch = try FrameBatch.decode(body: body, limits: configuration.batchLimits, allocator: context.channel.allocator)
        } catch {
            let response = InboundConnectionStateMachine.Response(
                status: .badRequest, body: GatewayStatusBody(outcome: error.code.rawValue), close: false)
            perform(machine.completed(id: id, response: response), context: context)
            return
        }
        var generator = SystemRandomNumberGenerator()
        let sessions = self.sessions
        let routing = InboundRouter.route(
            batch.frames, nowMilliseconds: configuration.nowMilliseconds(), partitions: { sessions.partitions(for: $0) },
            using: &generator)
        let accepted = InboundConnectionStateMachine.Response(
            status: .ok, body: .accepted(routing.frameStatuses), close: false)
        guard !routing.records.isEmpty else {
            perform(machine.completed(id: id, response: accepted), context: context)
            return
        }
        let publisher = self.publisher
        let records = routing.records
        context.eventLoop.makeFutureWithTask { try await publisher.publish(records) }
            .assumeIsolated()
            .whenComplete { result in
                guard self.active else { return }
                switch result {
                case .success:
                    self.perform(self.machine.completed(id: id, response: accepted), context: context)
                case .failure:
                    let refused = InboundConnectionStateMachine.Response(
                        status: .serviceUnavailable, body: GatewayStatusBody(outcome: GatewayError.Code.busUnavailable.rawValue),
                        close: false)
                    self.perform(self.machine.completed(id: id, response: refused), context: context)
                }
            }
    }

    private func write(_ responses: [InboundConnectionStateMachine.Response], context: ChannelHandlerContext) {
        guard active else { return }
        for response in responses {
            var body = context.channel.allocator.buffer(capacity: response.body.encodedLength)
            response.body.encode(into: &body)
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: GatewayHTTP.statusContentType)
            headers.add(name: "Content-Length", value: String(body.readableBytes))
            headers.add(name: "Connection", value: response.close ? "close" : "keep-alive")
            if response.status == .methodNotAllowed { headers.add(name: "Allow", value: "POST") }
            context.write(
                wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: response.status, headers: headers))),
                promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
            if response.close {
                context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
                    context.close(promise: nil)
                }
                return
            }
            context.write(wrapOutboundOut(.end(nil)), promise: nil)
        }
        context.flush()
        if readDeferred, machine.shouldRead {
            readDeferred = false
            context.read()
        }
    }
}

extension GatewayServerHandler.Configuration {
    /// The settings a gateway configuration record (`p2p.gateway`) gives.
    public init(gateway: GatewayConfiguration, batchLimits: BatchLimits = .default) {
        self.init(maximumRequestSize: gateway.maxRequestSizeBytes, batchLimits: batchLimits)
    }
}
