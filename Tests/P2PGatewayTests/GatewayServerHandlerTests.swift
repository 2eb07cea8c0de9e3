import NIOCore
import NIOEmbedded
import NIOHTTP1
import P2PBus
import P2PGateway
import P2PWire
import Synchronization
import Testing

/// The server handler on a test channel, behind the real HTTP codec, fed raw request bytes.
@Suite struct GatewayServerHandlerTests {
    typealias F = GatewayFixtures

    final class Connection: Sendable {
        let channel: NIOAsyncTestingChannel
        private let received = Mutex(ByteBuffer())

        init(
            publisher: any InboundPublisher, sessions: SessionPartitionsDirectory = SessionPartitionsDirectory(),
            maximumRequestSize: Int = 64 * 1024
        ) async throws {
            channel = NIOAsyncTestingChannel()
            let configuration = GatewayServerHandler.Configuration(
                maximumRequestSize: maximumRequestSize, nowMilliseconds: { F.now })
            let channel = self.channel
            try await channel.testingEventLoop.executeInContext {
                try channel.pipeline.syncOperations.addHandlers([
                    HTTPResponseEncoder(), ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .dropBytes)),
                    GatewayServerHandler(configuration: configuration, publisher: publisher, sessions: sessions),
                ])
            }
            try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).get()
        }

        func send(_ bytes: ByteBuffer) async throws {
            try await channel.writeInbound(bytes)
        }

        /// The next complete response, waiting (bounded) for the handler to write it.
        func response() async throws -> RawHTTPResponse {
            let channel = self.channel
            return try await withTimeout {
                while true {
                    if let response = self.received.withLock({ RawHTTPResponse.parse(from: &$0) }) { return response }
                    var part = try await channel.waitForOutboundWrite(as: ByteBuffer.self)
                    self.received.withLock { _ = $0.writeBuffer(&part) }
                }
            }
        }

        var isActive: Bool { channel.isActive }
    }

    /// A connection publishing to the real in-process bus, with `F.known` mapped to one partition.
    func busConnection(knownSessionPartition: Int) async throws -> (InProcessBus, Connection) {
        let bus = try await F.bus()
        let sessions = SessionPartitionsDirectory()
        sessions.set([knownSessionPartition], for: F.known)
        let publisher = BusInboundPublisher(producer: try await bus.makeProducer(options: ProducerOptions()))
        return (bus, try await Connection(publisher: publisher, sessions: sessions))
    }

    func status(of response: RawHTTPResponse) throws -> GatewayStatusBody {
        #expect(response.headers["content-type"] == GatewayHTTP.statusContentType)
        return try GatewayStatusBody.decode(response.body)
    }

    @Test func acceptsAfterTheBusAcceptedEveryRoutedFrame() async throws {
        let (bus, connection) = try await busConnection(knownSessionPartition: 3)
        let frames = [
            try F.data(sequence: 1), try F.data(F.unknown, sequence: 2), try F.hello(F.unknown), try F.unauthenticated(),
            try F.data(sequence: 5, expiry: F.now - 1),
        ]
        try await connection.send(F.request(body: try F.batch(frames, policy: .always)))
        let response = try await connection.response()
        #expect(response.status == 200)
        #expect(response.headers["connection"] == "keep-alive")
        #expect(
            try status(of: response)
                == .accepted([.init(frameIndex: 1, .unknownSession), .init(frameIndex: 4, .frameExpired)]))
        let records = try await F.linkIn(bus, expecting: 3)
        #expect(records.count == 3)
        #expect(records.filter { $0.partition == 3 }.map(\.value).contains(F.encoded(frames[0])))
        #expect(Set(records.map(\.value)) == Set([frames[0], frames[2], frames[3]].map(F.encoded)))
        #expect(connection.isActive)
        await bus.close()
    }

    @Test func noAnswerBeforeTheBusAccepted() async throws {
        let bus = try await F.bus()
        let producer = try await bus.makeProducer(options: ProducerOptions())
        let connection = try await Connection(publisher: BusInboundPublisher(producer: producer))
        await bus.holdAcceptance()
        try await connection.send(F.request(body: try F.batch([try F.unauthenticated(), try F.unauthenticated()])))
        try await withTimeout {
            while producer.inFlight < 2 { try await Task.sleep(for: .milliseconds(2)) }
        }
        // Both records are in flight, not accepted: the handler must still be silent.
        for _ in 0..<10 {
            #expect(try await connection.channel.readOutbound(as: ByteBuffer.self) == nil)
            try await Task.sleep(for: .milliseconds(2))
        }
        await bus.releaseAcceptance()
        #expect(try await connection.response().status == 200)
        await bus.close()
    }

    @Test func malformedBatchIs400WithTheWireCodeAndKeepsTheConnection() async throws {
        let (bus, connection) = try await busConnection(knownSessionPartition: 0)
        try await connection.send(F.request(body: ByteBuffer(string: "XXXX and some more bytes")))
        let bad = try await connection.response()
        #expect(bad.status == 400)
        #expect(try status(of: bad).outcome == WireError.Code.badBatchMagic.rawValue)
        var truncated = try F.batch([try F.data()])
        truncated.moveWriterIndex(to: truncated.writerIndex - 1)
        try await connection.send(F.request(body: truncated))
        #expect(try status(of: try await connection.response()).outcome == WireError.Code.batchLengthMismatch.rawValue)
        try await connection.send(F.request(body: try F.batch([try F.data()])))
        #expect(try await connection.response().status == 200)
        await bus.close()
    }

    @Test func busRefusalIs503() async throws {
        let bus = try await F.bus()
        let producer = try await bus.makeProducer(options: ProducerOptions())
        await bus.close()
        let connection = try await Connection(publisher: BusInboundPublisher(producer: producer))
        try await connection.send(F.request(body: try F.batch([try F.unauthenticated()])))
        let response = try await connection.response()
        #expect(response.status == 503)
        #expect(try status(of: response).outcome == GatewayError.Code.busUnavailable.rawValue)
        #expect(connection.isActive)  // the sender retries on the same connection
    }

    func rejected(_ request: ByteBuffer, maximumRequestSize: Int = 64 * 1024) async throws -> (RawHTTPResponse, Bool) {
        let connection = try await Connection(publisher: RefusingPublisher(), maximumRequestSize: maximumRequestSize)
        try await connection.send(request)
        let response = try await connection.response()
        #expect(response.headers["connection"] == "close")
        let channel = connection.channel
        let closed = (try? await withTimeout(.seconds(5)) { try await channel.closeFuture.get() }) != nil
        return (response, !closed)
    }

    @Test func rejectionsOfTheHeadCloseTheConnection() async throws {
        let body = try F.batch([try F.data()])
        let cases: [(ByteBuffer, Int, GatewayError.Code)] = [
            (F.request(body: body, version: "HTTP/1.0"), 505, .versionNotSupported),
            (F.request(body: body, method: "PROPFIND"), 501, .methodNotImplemented),
            (F.request(body: body, method: "BREW"), 400, .malformedRequest),  // the parser knows no such method
            (F.request(body: body, method: "PUT"), 405, .methodNotAllowed),
            (F.request(body: body, target: "/gateway/other"), 404, .notFound),
            (F.request(body: ByteBuffer(), contentLength: ""), 411, .lengthRequired),
            (F.request(body: body, contentType: "application/json"), 415, .unsupportedMediaType),
            (F.request(body: body, contentType: nil), 415, .unsupportedMediaType),
        ]
        for (request, expected, code) in cases {
            let (response, active) = try await rejected(request)
            #expect(response.status == expected)
            #expect(try status(of: response).outcome == code.rawValue)
            #expect(!active)
            if expected == 405 { #expect(response.headers["allow"] == "POST") }
        }
    }

    @Test func fourGiBContentLengthIs413FromTheHeaderAlone() async throws {
        // Only the head is sent: the answer cannot depend on reading (or allocating for) the body.
        let head = F.request(body: ByteBuffer(), contentLength: "4294967296")
        let (response, active) = try await rejected(head)
        #expect(response.status == 413)
        #expect(try status(of: response).outcome == GatewayError.Code.requestTooLarge.rawValue)
        #expect(!active)
    }

    @Test func chunkedBodyPastTheLimitIs413() async throws {
        var request = ByteBuffer(
            string: "POST /gateway/send HTTP/1.1\r\nHost: x\r\nContent-Type: \(GatewayHTTP.contentType)\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n")
        for _ in 0..<3 { request.writeString("200\r\n" + String(repeating: "a", count: 512) + "\r\n") }
        let (response, active) = try await rejected(request, maximumRequestSize: 1024)
        #expect(response.status == 413)
        #expect(!active)
    }

    @Test func unparsableRequestIs400() async throws {
        let (response, active) = try await rejected(ByteBuffer(string: "POST /gateway/send HTTP/1.1\r\nBad Header\r\n\r\n"))
        #expect(response.status == 400)
        #expect(try status(of: response).outcome == GatewayError.Code.malformedRequest.rawValue)
        #expect(!active)
    }

    /// Holds the publish of the first batch until released, so later batches finish first.
    final class GatedPublisher: InboundPublisher {
        let gate = AsyncStream<Void>.makeStream()
        let published = Mutex<[UInt64]>([])

        func publish(_ records: [InboundRecord]) async throws {
            var bytes = ByteBuffer(bytes: records[0].value)
            let sequence = try LinkFrame.decode(from: &bytes)!.header.sequenceNumber
            if sequence == 1 {
                for await _ in gate.stream { break }
            }
            published.withLock { $0.append(sequence) }
        }
    }

    @Test func pipelinedRequestsAreAnsweredInRequestOrder() async throws {
        let publisher = GatedPublisher()
        let sessions = SessionPartitionsDirectory()
        sessions.set([0], for: F.known)
        let connection = try await Connection(publisher: publisher, sessions: sessions)
        var requests = ByteBuffer()
        for sequence: UInt64 in 1...3 {
            // Batch n carries n frames with sequence numbers n, n+10, …, so its status body is recognisable.
            let frames = try (0..<sequence).map { index in
                index == 0 ? try F.data(sequence: sequence) : try F.data(F.unknown, sequence: sequence + index * 10)
            }
            var request = F.request(body: try F.batch(frames))
            requests.writeBuffer(&request)
        }
        try await connection.send(requests)
        // Batches 2 and 3 are published (concurrently: in either order) while batch 1 is held; nothing may be
        // written yet.
        try await withTimeout {
            while publisher.published.withLock({ $0.count }) < 2 { try await Task.sleep(for: .milliseconds(5)) }
        }
        #expect(publisher.published.withLock { $0 }.sorted() == [2, 3])
        #expect(try await connection.channel.readOutbound(as: ByteBuffer.self) == nil)
        publisher.gate.continuation.yield()
        var answers: [Int] = []
        for _ in 0..<3 { answers.append(try status(of: try await connection.response()).frameStatuses.count) }
        #expect(answers == [0, 1, 2])
    }
}
