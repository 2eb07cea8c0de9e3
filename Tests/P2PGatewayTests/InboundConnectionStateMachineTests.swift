import NIOCore
import NIOHTTP1
import P2PGateway
import Testing

@Suite struct InboundConnectionStateMachineTests {
    typealias Machine = InboundConnectionStateMachine

    func head(
        method: HTTPMethod = .POST, uri: String = "/gateway/send", version: HTTPVersion = .http1_1,
        headers: [(String, String)] = [("Content-Type", GatewayHTTP.contentType), ("Content-Length", "10")]
    ) -> HTTPRequestHead {
        HTTPRequestHead(version: version, method: method, uri: uri, headers: HTTPHeaders(headers))
    }

    func rejection(_ head: HTTPRequestHead, maximum: Int = 1024) -> (HTTPResponseStatus, Int)? {
        var machine = Machine(maximumRequestSize: maximum)
        guard case .write(let responses) = machine.requestHead(head), let response = responses.first else { return nil }
        #expect(response.close)
        return (response.status, response.body.outcome)
    }

    @Test func headChecksInOrder() {
        #expect(rejection(head(version: .http1_0))! == (.httpVersionNotSupported, 703))
        #expect(rejection(head(method: .GET))! == (.methodNotAllowed, 700))
        #expect(rejection(head(method: .RAW(value: "BREW")))! == (.notImplemented, 701))
        #expect(rejection(head(method: .PROPFIND))! == (.notImplemented, 701))
        #expect(rejection(head(uri: "/other"))! == (.notFound, 702))
        #expect(rejection(head(uri: "/gateway/send?x=1"))! == (.notFound, 702))
        #expect(rejection(head(headers: [("Content-Type", GatewayHTTP.contentType)]))! == (.lengthRequired, 704))
        #expect(
            rejection(head(headers: [("Content-Type", GatewayHTTP.contentType), ("Content-Length", "-1")]))!
                == (.lengthRequired, 704))
        #expect(rejection(head(headers: [("Content-Length", "10")]))! == (.unsupportedMediaType, 705))
        #expect(
            rejection(head(headers: [("Content-Type", "application/json"), ("Content-Length", "10")]))!
                == (.unsupportedMediaType, 705))
        #expect(
            rejection(head(headers: [("Content-Type", GatewayHTTP.contentType), ("Content-Length", "1025")]))!
                == (.payloadTooLarge, 706))
        #expect(
            rejection(head(headers: [("Content-Type", GatewayHTTP.contentType), ("Content-Length", "4294967296")]))!
                == (.payloadTooLarge, 706))
    }

    @Test func acceptsAbsoluteFormParametersAndCase() {
        #expect(rejection(head(uri: "https://bob.example:8443/gateway/send")) == nil)
        #expect(
            rejection(
                head(headers: [("content-type", "Application/X-P2P-Batch; charset=binary"), ("Content-Length", "10")]))
                == nil)
        #expect(rejection(head(headers: [("Content-Type", GatewayHTTP.contentType), ("Content-Length", "1024")])) == nil)
    }

    @Test func collectsTheBodyAndProcessesAtTheEnd() {
        var machine = Machine(maximumRequestSize: 1024)
        #expect(machine.requestHead(head()) == .none)
        #expect(machine.requestBody(ByteBuffer(string: "01234")) == .none)
        #expect(machine.requestBody(ByteBuffer(string: "56789")) == .none)
        #expect(machine.requestEnd() == .process(id: 0, body: ByteBuffer(string: "0123456789")))
        #expect(machine.pending == 1)
    }

    @Test func chunkedBodiesAreLimitedWhileTheyArrive() {
        var machine = Machine(maximumRequestSize: 8)
        let chunked = head(headers: [("Content-Type", GatewayHTTP.contentType), ("Transfer-Encoding", "chunked")])
        #expect(machine.requestHead(chunked) == .none)
        #expect(machine.requestBody(ByteBuffer(string: "0123")) == .none)
        guard case .write(let responses) = machine.requestBody(ByteBuffer(string: "45678")) else {
            Issue.record("no rejection")
            return
        }
        #expect(responses.map(\.status) == [.payloadTooLarge])
        #expect(responses[0].close)
        #expect(machine.requestBody(ByteBuffer(string: "more")) == .none)
        #expect(machine.requestEnd() == .none)
        #expect(machine.requestHead(head()) == .none)  // nothing after a closing response
    }

    @Test func responsesLeaveInRequestOrder() {
        var machine = Machine(maximumRequestSize: 1024)
        for id in 0..<3 {
            _ = machine.requestHead(head())
            #expect(machine.requestEnd() == .process(id: id, body: ByteBuffer()))
        }
        let ok = Machine.Response(status: .ok, body: .accepted(), close: false)
        let busy = Machine.Response(status: .serviceUnavailable, body: .init(outcome: 708), close: false)
        #expect(machine.completed(id: 2, response: busy) == .none)
        #expect(machine.completed(id: 1, response: ok) == .none)
        #expect(machine.completed(id: 0, response: ok) == .write([ok, ok, busy]))
        #expect(machine.pending == 0)
        #expect(machine.completed(id: 0, response: ok) == .none)  // once only
    }

    @Test func aRejectionWaitsForEarlierResponses() {
        var machine = Machine(maximumRequestSize: 1024)
        _ = machine.requestHead(head())
        _ = machine.requestEnd()
        #expect(machine.requestHead(head(uri: "/nope")) == .none)
        let ok = Machine.Response(status: .ok, body: .accepted(), close: false)
        guard case .write(let responses) = machine.completed(id: 0, response: ok) else {
            Issue.record("nothing written")
            return
        }
        #expect(responses.map(\.status) == [.ok, .notFound])
    }

    @Test func pipelineIsBounded() {
        var machine = Machine(maximumRequestSize: 1024)
        for _ in 0..<Machine.maximumPipelinedRequests {
            #expect(machine.shouldRead)
            _ = machine.requestHead(head())
            _ = machine.requestEnd()
        }
        #expect(!machine.shouldRead)
        // One more is refused, but only after the earlier ones are answered, in order.
        #expect(machine.requestHead(head()) == .none)
        let ok = Machine.Response(status: .ok, body: .accepted(), close: false)
        var written: [Machine.Response] = []
        for id in 0..<Machine.maximumPipelinedRequests {
            if case .write(let responses) = machine.completed(id: id, response: ok) { written += responses }
        }
        #expect(written.count == Machine.maximumPipelinedRequests + 1)
        #expect(written.last?.status == .serviceUnavailable)
        #expect(written.last?.body.outcome == 719)
        #expect(written.last?.close == true)
    }

    @Test func connectionCloseIsHonouredAfterTheResponse() {
        var machine = Machine(maximumRequestSize: 1024)
        var closing = head()
        closing.headers.add(name: "Connection", value: "close")
        #expect(machine.requestHead(closing) == .none)
        #expect(machine.requestEnd() == .process(id: 0, body: ByteBuffer()))
        #expect(machine.requestHead(head()) == .none)  // ignored: the client said it was the last
        #expect(machine.requestEnd() == .none)
        let ok = Machine.Response(status: .ok, body: .accepted(), close: false)
        #expect(machine.completed(id: 0, response: ok) == .write([.init(status: .ok, body: .accepted(), close: true)]))
    }

    @Test func parseErrorAnswers400AndCloses() {
        var machine = Machine(maximumRequestSize: 1024)
        guard case .write(let responses) = machine.parseError() else {
            Issue.record("nothing written")
            return
        }
        #expect(responses.map(\.status) == [.badRequest])
        #expect(responses[0].body.outcome == 711)
        #expect(responses[0].close)
    }

    // MARK: Configuration changes (docs/gateway.md §10)

    @Test func theLimitInForceAtEachHeadHoldsItsWholeBody() {
        var machine = Machine(maximumRequestSize: 1024)
        let length = { (n: Int) in self.head(headers: [("Content-Type", GatewayHTTP.contentType), ("Content-Length", "\(n)")]) }
        // Raised from 1024 to 4096: a 2000-byte request passes.
        #expect(machine.requestHead(length(2000), maximumRequestSize: 4096) == .none)
        #expect(machine.maximumRequestSize == 4096)
        #expect(machine.requestBody(ByteBuffer(repeating: 1, count: 2000)) == .none)
        #expect(machine.requestEnd() == .process(id: 0, body: ByteBuffer(repeating: 1, count: 2000)))
        // Lowered to 1024: the next 2000-byte request is refused (413) before its body.
        #expect(machine.requestHead(length(2000), maximumRequestSize: 1024) == .none)  // held until request 0 is answered
        let ok = Machine.Response(status: .ok, body: .accepted(), close: false)
        guard case .write(let written) = machine.completed(id: 0, response: ok) else {
            Issue.record("nothing written")
            return
        }
        #expect(written.map(\.status) == [.ok, .payloadTooLarge])
    }

    @Test func aChangeDuringABodyWaitsForTheNextRequest() {
        var machine = Machine(maximumRequestSize: 1024)
        let chunked = head(headers: [("Content-Type", GatewayHTTP.contentType), ("Transfer-Encoding", "chunked")])
        #expect(machine.requestHead(chunked, maximumRequestSize: 4096) == .none)
        #expect(machine.requestBody(ByteBuffer(repeating: 1, count: 2000)) == .none)
        // A head cannot arrive mid-body; if it did, it is discarded and the limit stays.
        #expect(machine.requestHead(chunked, maximumRequestSize: 1024) == .none)
        #expect(machine.maximumRequestSize == 4096)
    }

    @Test func drainingAnIdleConnectionClosesIt() {
        var machine = Machine(maximumRequestSize: 1024)
        #expect(machine.drain() == .close)
        #expect(machine.requestHead(head()) == .none)  // nothing more is taken
        #expect(machine.drain() == .none)
    }

    @Test func drainingAnswersWhatWasReceivedThenCloses() {
        var machine = Machine(maximumRequestSize: 1024)
        for id in 0..<2 {
            _ = machine.requestHead(head())
            #expect(machine.requestEnd() == .process(id: id, body: ByteBuffer()))
        }
        let ok = Machine.Response(status: .ok, body: .accepted(), close: false)
        #expect(machine.completed(id: 1, response: ok) == .none)  // waits for request 0
        #expect(machine.drain() == .none)
        #expect(machine.requestHead(head()) == .none)  // a later request is ignored (the sender retries it)
        #expect(machine.requestEnd() == .none)
        #expect(machine.completed(id: 0, response: ok) == .write([ok, .init(status: .ok, body: .accepted(), close: true)]))
        #expect(machine.pending == 0)
    }

    @Test func drainingLetsABodyInProgressFinish() {
        var machine = Machine(maximumRequestSize: 1024)
        #expect(machine.requestHead(head()) == .none)
        #expect(machine.requestBody(ByteBuffer(string: "01234")) == .none)
        #expect(machine.drain() == .none)
        #expect(machine.requestBody(ByteBuffer(string: "56789")) == .none)
        #expect(machine.requestEnd() == .process(id: 0, body: ByteBuffer(string: "0123456789")))
        let ok = Machine.Response(status: .ok, body: .accepted(), close: false)
        #expect(machine.completed(id: 0, response: ok) == .write([.init(status: .ok, body: .accepted(), close: true)]))
    }
}
