import NIOCore
import P2PBus
import P2PGateway
import P2PWire

/// A small deterministic generator (SplitMix64), so routing tests are reproducible.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

enum GatewayFixtures {
    static let now: UInt64 = 1_700_000_000_000
    static let known = SessionID(high: 1, low: 1)
    static let unknown = SessionID(high: 2, low: 2)

    static func text(_ string: String) -> ByteBuffer { ByteBuffer(string: string) }

    static func data(_ session: SessionID = known, sequence: UInt64 = 1, expiry: UInt64 = 0, size: Int = 64) throws
        -> LinkFrame
    {
        try LinkFrame(
            sessionID: session, sequenceNumber: sequence, timestamp: now,
            body: .data(expiry: expiry, sealedPayload: ByteBuffer(repeating: UInt8(truncatingIfNeeded: sequence), count: size)))
    }

    static func hello(_ session: SessionID) throws -> LinkFrame {
        let hello = InitiatorHello(
            ephemeralPublicKey: ByteBuffer(repeating: 1, count: 32), supportedModes: [.authenticatedEncryption],
            identityKeyHash: ByteBuffer(repeating: 2, count: 32), groupID: text("group-1"))
        return try LinkFrame(sessionID: session, sequenceNumber: 0, timestamp: now, body: .initiatorHello(hello))
    }

    static func unauthenticated(expiry: UInt64 = 0) throws -> LinkFrame {
        let message = UnauthenticatedMessage(
            expiry: expiry, source: text("O=Alice, L=London, C=GB"), sourceGroupID: text("group-1"),
            destination: text("O=Bob, L=Paris, C=FR"), destinationGroupID: text("group-1"), messageID: text("m-1"),
            subsystem: text("test"), payload: ByteBuffer(repeating: 9, count: 10))
        return try LinkFrame(sessionID: .zero, sequenceNumber: 0, timestamp: now, body: .unauthenticated(message))
    }

    static func batch(_ frames: [LinkFrame], policy: CompressionPolicy = .never) throws -> ByteBuffer {
        var encoder = FrameBatchEncoder(policy: policy)
        var buffer = ByteBuffer()
        try encoder.encode(frames, into: &buffer)
        return buffer
    }

    static func encoded(_ frame: LinkFrame) -> [UInt8] {
        var buffer = ByteBuffer()
        frame.encode(into: &buffer)
        return Array(buffer.readableBytesView)
    }

    /// A raw HTTP/1.1 request, with any part overridden (`contentLength: ""` leaves the header out).
    static func request(
        body: ByteBuffer, method: String = "POST", target: String = "/gateway/send", version: String = "HTTP/1.1",
        contentType: String? = GatewayHTTP.contentType, contentLength: String? = nil, extraHeaders: [String] = []
    ) -> ByteBuffer {
        var text = "\(method) \(target) \(version)\r\nHost: peer:8443\r\n"
        if let contentType { text += "Content-Type: \(contentType)\r\n" }
        if contentLength != "" { text += "Content-Length: \(contentLength ?? String(body.readableBytes))\r\n" }
        for header in extraHeaders { text += header + "\r\n" }
        var buffer = ByteBuffer(string: text + "\r\n")
        var body = body
        buffer.writeBuffer(&body)
        return buffer
    }

    /// The in-process bus with `link.in` (4 partitions).
    static func bus() async throws -> InProcessBus {
        let bus = InProcessBus()
        try await bus.createTopic(TopicSpec(name: "link.in", partitions: 4))
        return bus
    }

    /// Every record on `link.in`, read by a fresh consumer (bounded polls).
    static func linkIn(_ bus: InProcessBus, expecting count: Int) async throws -> [ConsumedRecord] {
        let consumer = try await bus.makeConsumer(
            topic: "link.in", group: "lm-\(UInt64.random(in: 0...UInt64.max))", options: ConsumerOptions(memberID: "lm-1"))
        var records: [ConsumedRecord] = []
        for _ in 0..<20 where records.count < count {
            records += try await consumer.poll(maxRecords: 100, timeout: .milliseconds(100))
        }
        await consumer.close()
        return records
    }
}

/// A publisher that refuses everything, as a bus that is down would.
struct RefusingPublisher: InboundPublisher {
    struct Refused: Error {}
    func publish(_ records: [InboundRecord]) async throws { throw Refused() }
}
