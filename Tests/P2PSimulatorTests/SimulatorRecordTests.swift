import P2PIdentity
import P2PLinkManager
import P2PSimulator
import Testing

@Suite("Simulator payload and received event codecs")
struct SimulatorRecordTests {
    static let payload = SimulatorPayload(senderID: "ab12cd34-1", sendTime: 1_700_000_000_123_456, filler: [1, 2, 3, 250])

    @Test func payloadRoundTrips() throws {
        let bytes = try Self.payload.encoded()
        #expect(bytes.prefix(2) == [0x40, 1])
        #expect(bytes.count == 2 + 1 + 10 + 8 + 4 + 4)
        #expect(try SimulatorPayload(decoding: bytes) == Self.payload)
    }

    @Test func payloadRejectsEveryTruncation() throws {
        let bytes = try Self.payload.encoded()
        for length in 0..<bytes.count {
            #expect(throws: SimulatorError(.malformedPayload)) { try SimulatorPayload(decoding: Array(bytes.prefix(length))) }
        }
    }

    @Test func payloadRejectsTypeVersionTrailingAndBounds() throws {
        var bytes = try Self.payload.encoded()
        #expect(throws: SimulatorError(.malformedPayload)) { try SimulatorPayload(decoding: bytes + [0]) }
        bytes[0] = 0x41
        #expect(throws: SimulatorError(.malformedPayload)) { try SimulatorPayload(decoding: bytes) }
        bytes[0] = 0x40
        bytes[1] = 2
        #expect(throws: SimulatorError(.unsupportedVersion)) { try SimulatorPayload(decoding: bytes) }
        // A filler count above the bound is refused from its four bytes alone, before any allocation.
        let huge: [UInt8] = [0x40, 1, 1, UInt8(ascii: "a")] + [UInt8](repeating: 0, count: 8) + [0x7F, 0xFF, 0xFF, 0xFF]
        #expect(throws: SimulatorError(.malformedPayload)) { try SimulatorPayload(decoding: huge) }
        let badSender: [UInt8] = [0x40, 1, 1, UInt8(ascii: " ")] + [UInt8](repeating: 0, count: 12)
        #expect(throws: SimulatorError(.malformedPayload)) { try SimulatorPayload(decoding: badSender) }
        #expect(throws: SimulatorError(.invalidOption)) { try SimulatorPayload(senderID: "a:b", sendTime: 0, filler: []).encoded() }
    }

    @Test func eventRoundTripsWithSignedLatency() throws {
        let event = ReceivedEvent(senderID: "s-1", messageID: "s-1:7", sendTime: 5_000_000, receiveTime: 5_012_345)
        #expect(event.latency == 12_345)
        #expect(event.recordID == "s-1/s-1:7")
        #expect(try ReceivedEvent(decoding: try event.encoded()) == event)
        let skewed = ReceivedEvent(senderID: "s-1", messageID: "m", sendTime: 5_000_000, receiveTime: 4_999_000)
        #expect(skewed.latency == -1000)
        #expect(try ReceivedEvent(decoding: try skewed.encoded()).latency == -1000)
        #expect(ReceivedEvent(senderID: "s", messageID: "has space", sendTime: 0, receiveTime: 0).recordID == nil)
    }

    @Test func eventRejectsMalformedValues() throws {
        let bytes = try ReceivedEvent(senderID: "s-1", messageID: "m-1", sendTime: 10, receiveTime: 30).encoded()
        for length in 0..<bytes.count {
            #expect(throws: SimulatorError(.malformedEvent)) { try ReceivedEvent(decoding: Array(bytes.prefix(length))) }
        }
        var wrongLatency = bytes
        wrongLatency[wrongLatency.count - 1] ^= 1
        #expect(throws: SimulatorError(.malformedEvent)) { try ReceivedEvent(decoding: wrongLatency) }
        var version = bytes
        version[1] = 9
        #expect(throws: SimulatorError(.unsupportedVersion)) { try ReceivedEvent(decoding: version) }
        #expect(throws: SimulatorError(.malformedEvent)) { try ReceivedEvent(decoding: bytes + [0]) }
        #expect(throws: SimulatorError(.malformedEvent)) { try ReceivedEvent(decoding: Array("hello".utf8)) }
    }

    @Test func receiverTurnsOnlySimulatorMessagesIntoEvents() throws {
        let alice = try HoldingIdentity(parsing: "O=Alice Corp, L=London, C=GB@group-1")
        let bob = try HoldingIdentity(parsing: "O=Bob Corp, L=London, C=GB@group-1")
        let header = AuthenticatedMessageHeader(destination: bob, source: alice, ttl: nil, messageID: try MessageID("s-1:1"))
        let good = try AppMessage.authenticated(AuthenticatedMessage(header: header, payload: try Self.payload.encoded())).encoded()
        let event = try SimulatorReceiver.event(fromRecordValue: good, receiveTime: Self.payload.sendTime + 2000)
        #expect(event == ReceivedEvent(senderID: "ab12cd34-1", messageID: "s-1:1", sendTime: Self.payload.sendTime, receiveTime: Self.payload.sendTime + 2000))
        #expect(event.latency == 2000)

        let foreign = try AppMessage.authenticated(AuthenticatedMessage(header: header, payload: Array("not ours".utf8))).encoded()
        #expect(throws: SimulatorError(.malformedPayload)) { try SimulatorReceiver.event(fromRecordValue: foreign, receiveTime: 0) }
        let unauthenticated = try AppMessage.unauthenticated(
            UnauthenticatedMessage(
                header: UnauthenticatedMessageHeader(destination: bob, source: alice, messageID: try MessageID("u")),
                payload: try Self.payload.encoded())
        ).encoded()
        #expect(throws: SimulatorError(.malformedPayload)) { try SimulatorReceiver.event(fromRecordValue: unauthenticated, receiveTime: 0) }
        #expect(throws: SimulatorError(.malformedPayload)) { try SimulatorReceiver.event(fromRecordValue: [0xFF, 0, 1], receiveTime: 0) }
    }

    @Test func batchKeepsOneCopyAndCountsMalformed() throws {
        var batch = EventBatch()
        let first = try ReceivedEvent(senderID: "s-1", messageID: "a", sendTime: 1, receiveTime: 2).encoded()
        let second = try ReceivedEvent(senderID: "s-2", messageID: "a", sendTime: 1, receiveTime: 3).encoded()
        #expect(batch.add(first) == nil)
        #expect(batch.add(second) == nil)
        #expect(batch.add(first) == nil)
        #expect(batch.add([1, 2, 3]) == SimulatorError(.malformedEvent))
        #expect(batch.events.map(\.senderID) == ["s-1", "s-2"])
        #expect(batch.duplicates == 1)
        #expect(batch.malformed == 1)
    }

    @Test func summaryPrintsMilliseconds() {
        let summary = LatencySummary(count: 3, minimum: 1_500, maximum: 12_000, p50: 2_000.4, p90: 9_999.6, p99: 11_000, p999: 11_900)
        #expect(summary.description == "3 messages, latency ms: min 1.500 p50 2.000 p90 10.000 p99 11.000 p99.9 11.900 max 12.000")
        var empty = LatencySummary(count: 0, minimum: nil, maximum: nil, p50: nil, p90: nil, p99: nil, p999: nil)
        #expect(empty.description == "0 messages")
        empty.sent = 5
        empty.undelivered = 5
        #expect(empty.description == "0 messages; 5 sent, 5 undelivered")
    }
}
