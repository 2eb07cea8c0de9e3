public import NIOCore
public import NIOHTTP1

/// The server side of one connection (`docs/gateway.md` §2, §4): validates each request head, collects
/// its body within the size limit, numbers the requests, and releases their responses strictly in
/// request order however the processing finishes. Pure: the handler feeds it request parts and
/// processing results, and performs the actions it returns.
public struct InboundConnectionStateMachine {
    /// Requests waiting for their response on one connection, at most.
    public static let maximumPipelinedRequests = 32

    /// One response, ready to be written.
    public struct Response: Hashable, Sendable {
        public let status: HTTPResponseStatus
        public let body: GatewayStatusBody
        /// Close the connection once this response is written.
        public let close: Bool

        public init(status: HTTPResponseStatus, body: GatewayStatusBody, close: Bool) {
            self.status = status
            self.body = body
            self.close = close
        }

        /// The answer to a rejected request; rejections of a head close the connection.
        static func rejection(_ error: GatewayError, close: Bool) -> Response {
            Response(
                status: InboundRequestValidator.status(for: error.code), body: GatewayStatusBody(outcome: error.code.rawValue),
                close: close)
        }
    }

    public enum Action: Hashable, Sendable {
        /// Write these responses, in this order; if the last one says so, close afterwards.
        case write([Response])
        /// The request `id` is complete: decode and publish its body, then call `completed`.
        case process(id: Int, body: ByteBuffer)
        /// Close the connection now (draining, with nothing left to answer).
        case close
        case none
    }

    private enum Receiving {
        /// Between requests.
        case idle
        /// Collecting the body of request `id`.
        case body(id: Int, collected: ByteBuffer?, expected: Int?)
        /// The rest of a rejected request, or everything after a closing response: ignored.
        case discarding
    }

    /// The limit of the request being received (set from each request head).
    public private(set) var maximumRequestSize: Int
    private var receiving = Receiving.idle
    private var nextRequestID = 0
    private var nextResponseID = 0
    /// Responses finished out of order, waiting for their predecessors; bounded by the pipeline bound.
    private var finished: [Int: Response] = [:]
    /// A response that closes the connection has been assigned: no later request is read.
    private var closing = false
    /// The request that asked for `Connection: close` (or was HTTP/1.0-style non-keep-alive).
    private var lastRequestID: Int?

    public init(maximumRequestSize: Int) {
        self.maximumRequestSize = maximumRequestSize
    }

    /// Requests received and not yet answered.
    public var pending: Int { nextRequestID - nextResponseID }

    /// Whether the handler should read more from the socket (back-pressure on pipelined requests).
    /// A closing connection keeps reading (and discarding) so that the peer is not reset before it has
    /// read the final response.
    public var shouldRead: Bool { pending < Self.maximumPipelinedRequests }

    /// A request head, checked against `maximumRequestSize` (the limit in force when the head
    /// arrives; the body of this request is held to it).
    public mutating func requestHead(_ head: HTTPRequestHead, maximumRequestSize: Int) -> Action {
        if case .idle = receiving { self.maximumRequestSize = maximumRequestSize }
        return requestHead(head)
    }

    public mutating func requestHead(_ head: HTTPRequestHead) -> Action {
        guard case .idle = receiving, !closing else {
            receiving = .discarding
            return .none
        }
        let id = nextRequestID
        nextRequestID += 1
        if pending > Self.maximumPipelinedRequests {
            return reject(id, GatewayError(.tooManyPipelinedRequests))
        }
        switch InboundRequestValidator.validate(head, maximumRequestSize: maximumRequestSize) {
        case .failure(let error):
            return reject(id, error)
        case .success(.contentLength(let length)):
            receiving = .body(id: id, collected: nil, expected: length)
        case .success(.chunked):
            receiving = .body(id: id, collected: nil, expected: nil)
        }
        if !head.isKeepAlive {
            // The client will send nothing more: answer this one, then close.
            lastRequestID = id
            closing = true
        }
        return .none
    }

    public mutating func requestBody(_ part: ByteBuffer) -> Action {
        guard case .body(let id, var collected, let expected) = receiving else { return .none }
        receiving = .idle  // drop the enum's reference so `collected` is uniquely owned while it grows
        let total = (collected?.readableBytes ?? 0) + part.readableBytes
        guard total <= maximumRequestSize, total <= expected ?? .max else {
            return reject(id, GatewayError(.requestTooLarge, "body passed \(maximumRequestSize) bytes"))
        }
        if collected == nil {
            collected = part  // the common case, one part: a slice of the read buffer, no copy
        } else {
            if let expected { collected!.reserveCapacity(minimumWritableBytes: expected - total + part.readableBytes) }
            collected!.writeImmutableBuffer(part)
        }
        receiving = .body(id: id, collected: collected, expected: expected)
        return .none
    }

    public mutating func requestEnd() -> Action {
        switch receiving {
        case .idle:
            return .none
        case .discarding:
            receiving = closing ? .discarding : .idle
            return .none
        case .body(let id, let collected, _) where id == lastRequestID:
            receiving = .discarding
            return .process(id: id, body: collected ?? ByteBuffer())
        case .body(let id, let collected, _):
            receiving = .idle
            return .process(id: id, body: collected ?? ByteBuffer())
        }
    }

    /// The request could not be parsed: answer 400 after the earlier responses, then close.
    public mutating func parseError() -> Action {
        guard !closing else { return .none }
        let id: Int
        if case .body(let current, _, _) = receiving {
            id = current
        } else {
            id = nextRequestID
            nextRequestID += 1
        }
        return reject(id, GatewayError(.malformedRequest))
    }

    /// Stop taking requests (the gateway moves to a new listener or new TLS settings): the requests
    /// already received, including one whose body is still arriving, are answered, the last with
    /// `close`; later ones are ignored (the sender retries them elsewhere). `.close` when nothing is
    /// left to answer.
    public mutating func drain() -> Action {
        guard !closing else { return .none }
        closing = true
        switch receiving {
        case .body(let id, _, _):
            lastRequestID = id
            return .none
        case .idle, .discarding:
            receiving = .discarding
            guard pending > 0 else { return .close }
            let last = nextRequestID - 1
            lastRequestID = last
            if let waiting = finished[last] {
                finished[last] = Response(status: waiting.status, body: waiting.body, close: true)
            }
            return .none
        }
    }

    /// Processing of request `id` finished with `response`. Returns the responses now writable.
    public mutating func completed(id: Int, response: Response) -> Action {
        guard id >= nextResponseID, id < nextRequestID, finished[id] == nil else { return .none }
        finished[id] = id == lastRequestID ? Response(status: response.status, body: response.body, close: true) : response
        var ready: [Response] = []
        while let next = finished.removeValue(forKey: nextResponseID) {
            ready.append(next)
            nextResponseID += 1
            if next.close {
                finished.removeAll()
                nextResponseID = nextRequestID
                break
            }
        }
        return ready.isEmpty ? .none : .write(ready)
    }

    private mutating func reject(_ id: Int, _ error: GatewayError) -> Action {
        receiving = .discarding
        closing = true
        // Requests after this one are never answered: the connection closes after this response.
        nextRequestID = id + 1
        return completed(id: id, response: .rejection(error, close: true))
    }
}
