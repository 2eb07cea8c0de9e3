import P2PIdentity
import Testing

@testable import P2PLinkManager
import P2PTestSupport

@Suite("App records")
struct AppRecordTests {
    let message = Fixture.message(1, ttl: 1_700_000_000_000, payload: Array(0..<200))

    @Test func authenticatedMessageRoundTrips() throws {
        let bytes = try message.encoded()
        #expect(bytes[0] == 0x01 && bytes[1] == 1)
        #expect(try AuthenticatedMessage(decoding: bytes) == message)
        #expect(try AppMessage(decoding: bytes) == .authenticated(message))
    }

    @Test func noTTLAndNoTraceIDRoundTrip() throws {
        let plain = AuthenticatedMessage(
            header: AuthenticatedMessageHeader(
                destination: Fixture.bob, source: Fixture.alice, ttl: nil, messageID: Fixture.id(2)),
            payload: [])
        let decoded = try AuthenticatedMessage(decoding: try plain.encoded())
        #expect(decoded == plain)
        #expect(decoded.header.ttl == nil && decoded.header.traceID == nil)
    }

    @Test func unauthenticatedMessageRoundTrips() throws {
        let m = UnauthenticatedMessage(
            header: UnauthenticatedMessageHeader(
                destination: Fixture.bob, source: Fixture.alice, messageID: Fixture.id(3), subsystem: "gossip"),
            payload: [9, 9])
        #expect(try AppMessage(decoding: try m.encoded()) == .unauthenticated(m))
    }

    @Test func deliveryStatusAndMarkersRoundTrip() throws {
        for status in DeliveryStatus.Status.allCases {
            let s = DeliveryStatus(
                status: status, source: Fixture.alice, destination: Fixture.bob, messageID: Fixture.id(4), timestamp: 42)
            #expect(try DeliveryStatus(decoding: try s.encoded()) == s)
        }
        let markers = [
            DeliveryMarker.sent(message, key: Fixture.key(1), at: 7),
            DeliveryMarker(kind: .delivered, source: Fixture.alice, messageID: Fixture.id(1), timestamp: 8),
            DeliveryMarker(kind: .ttlExpired, source: Fixture.alice, messageID: Fixture.id(1), timestamp: 9),
        ]
        for marker in markers { #expect(try DeliveryMarker(decoding: try marker.encoded()) == marker) }
    }

    @Test func controlPayloadsRoundTrip() throws {
        let ack = try AckPayload(messageIDs: (0..<AckPayload.maximumMessageIDs).map(Fixture.id), heartbeat: 5)
        #expect(try AckPayload(decoding: try ack.encoded()) == ack)
        let heartbeatOnly = try AckPayload(messageIDs: [], heartbeat: 1)
        #expect(try AckPayload(decoding: try heartbeatOnly.encoded()) == heartbeatOnly)
        let heartbeat = HeartbeatPayload(sequence: 3, sentAt: 99)
        #expect(try HeartbeatPayload(decoding: heartbeat.encoded()) == heartbeat)
        // 200 ids of 255 bytes fit the wire format's 64 KiB control payload with the 16-byte tag.
        let longIDs = (0..<AckPayload.maximumMessageIDs).map { try! MessageID(String(repeating: "x", count: 250) + "\($0)") }
        #expect(try AckPayload(messageIDs: longIDs).encoded().count + 16 <= 65_536)
    }

    @Test func ackBounds() {
        expectCode(.fieldTooLarge) { try AckPayload(messageIDs: (0...AckPayload.maximumMessageIDs).map(Fixture.id)) }
        expectCode(.fieldTooShort) { try AckPayload(messageIDs: []) }
        // A count above the bound is refused from the count field alone.
        expectCode(.fieldTooLarge) { try AckPayload(decoding: [0x11, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF]) }
        // A count the remaining bytes cannot hold is truncated before reserving.
        expectCode(.truncated) { try AckPayload(decoding: [0x11, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 100]) }
        expectCode(.invalidValue) { try AckPayload(decoding: [0x11, 1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0x41]) }
    }

    @Test func sealedDataPayloadBindsTheExpiry() throws {
        let sealed = SealedDataPayload(key: Fixture.key(1), message: message)
        let decoded = try SealedDataPayload(decoding: try sealed.encoded())
        #expect(decoded == sealed)
        try decoded.verify(frameExpiry: 1_700_000_000_000)
        expectCode(.expiryMismatch) { try decoded.verify(frameExpiry: 0) }
        expectCode(.expiryMismatch) { try decoded.verify(frameExpiry: 1_800_000_000_000) }
        // An embedded expiry that differs from the message's TTL is refused.
        var bytes = try sealed.encoded()
        bytes[9] ^= 1
        expectCode(.expiryMismatch) { try SealedDataPayload(decoding: bytes) }
    }

    @Test func payloadBoundsAreCheckedOnBothSides() throws {
        let small = AppRecordLimits(maximumPayloadLength: 100)
        expectCode(.fieldTooLarge) { try message.encoded(limits: small) }
        let bytes = try message.encoded()
        expectCode(.fieldTooLarge) { try AuthenticatedMessage(decoding: bytes, limits: small) }
        // A declared 4 GiB payload is refused from its length field, before allocating.
        var huge = Array(bytes.dropLast(message.payload.count + 4))
        huge += [0xFF, 0xFF, 0xFF, 0xFF]
        expectCode(.fieldTooLarge) { try AuthenticatedMessage(decoding: huge) }
        #expect(AppRecordLimits(maximumPayloadLength: Int.max).maximumPayloadLength == AppRecordLimits.absoluteMaximumPayloadLength)
    }

    @Test func headerAndTextErrors() throws {
        var bytes = try message.encoded()
        bytes[1] = 2
        expectCode(.unsupportedRecordVersion) { try AuthenticatedMessage(decoding: bytes) }
        expectCode(.unknownRecordType) { try AppMessage(decoding: [0x7F, 1]) }
        expectCode(.unknownRecordType) { try AppMessage(decoding: try DeliveryStatus(
            status: .delivered, source: Fixture.alice, destination: Fixture.bob, messageID: Fixture.id(1), timestamp: 1).encoded()) }
        expectCode(.truncated) { try AppMessage(decoding: []) }
        expectCode(.trailingBytes) { try AuthenticatedMessage(decoding: try message.encoded() + [0]) }
        let tooLongTrace = AuthenticatedMessage(
            header: AuthenticatedMessageHeader(
                destination: Fixture.bob, source: Fixture.alice, ttl: nil, messageID: Fixture.id(1),
                traceID: String(repeating: "t", count: 129)),
            payload: [])
        expectCode(.fieldTooLarge) { try tooLongTrace.encoded() }
        // A name that is not an X.500 name: identity bytes are "O" with a valid group.
        var writer = RecordWriter(.deliveryStatus)
        writer.u8(1)
        try writer.text("not a name", prefixBytes: 2, 1...1024, "name")
        try writer.text("g", prefixBytes: 1, 1...128, "group")
        expectCode(.invalidIdentity) { try DeliveryStatus(decoding: writer.bytes) }
        // Invalid UTF-8 in the subsystem.
        var status = try DeliveryStatus(
            status: .expired, source: Fixture.alice, destination: Fixture.bob, messageID: Fixture.id(1), timestamp: 1
        ).encoded()
        status[2] = 9
        expectCode(.invalidValue) { try DeliveryStatus(decoding: status) }
        let unauthenticated = try UnauthenticatedMessage(
            header: UnauthenticatedMessageHeader(destination: Fixture.bob, source: Fixture.alice, messageID: Fixture.id(1), subsystem: "ab"),
            payload: []
        ).encoded()
        var broken = unauthenticated
        broken[broken.count - 6] = 0xFF  // the subsystem's first byte
        expectCode(.invalidUTF8) { try UnauthenticatedMessage(decoding: broken) }
    }

    /// Every prefix of every record fails cleanly with a typed error; none decodes.
    @Test func everyTruncationThrows() throws {
        let records: [([UInt8], ([UInt8]) throws(LinkManagerError) -> Void)] = [
            (try message.encoded(), { (b) throws(LinkManagerError) in _ = try AuthenticatedMessage(decoding: b) }),
            (try DeliveryMarker.sent(message, key: Fixture.key(1), at: 1).encoded(), { (b) throws(LinkManagerError) in _ = try DeliveryMarker(decoding: b) }),
            (try SealedDataPayload(key: [1], message: message).encoded(), { (b) throws(LinkManagerError) in _ = try SealedDataPayload(decoding: b) }),
            (try AckPayload(messageIDs: [Fixture.id(1), Fixture.id(2)], heartbeat: 1).encoded(), { (b) throws(LinkManagerError) in _ = try AckPayload(decoding: b) }),
            (HeartbeatPayload(sequence: 1, sentAt: 2).encoded(), { (b) throws(LinkManagerError) in _ = try HeartbeatPayload(decoding: b) }),
        ]
        for (bytes, decode) in records {
            for length in 0..<bytes.count {
                do {
                    try decode(Array(bytes.prefix(length)))
                    Issue.record("a prefix of \(length) of \(bytes.count) bytes decoded")
                } catch {
                    // `truncated` except where a shortened length field is read as a smaller value.
                    #expect([.truncated, .fieldTooShort, .trailingBytes, .expiryMismatch, .invalidValue].contains(error.code) || length < 2)
                }
            }
        }
    }

    /// Random byte mutations of every record type either decode to a valid value or throw a
    /// `LinkManagerError`; never crash, never another error type.
    @Test func mutationsNeverCrash() throws {
        var random = SplitMix64(seed: 7)
        let unauthenticated = UnauthenticatedMessage(
            header: UnauthenticatedMessageHeader(destination: Fixture.bob, source: Fixture.alice, messageID: Fixture.id(3), subsystem: "s"),
            payload: [1, 2, 3])
        let status = DeliveryStatus(status: .expired, source: Fixture.alice, destination: Fixture.bob, messageID: Fixture.id(1), timestamp: 5)
        let decoders: [([UInt8], ([UInt8]) throws -> Void)] = [
            (try message.encoded(), { _ = try AppMessage(decoding: $0) }),
            (try unauthenticated.encoded(), { _ = try AppMessage(decoding: $0) }),
            (try status.encoded(), { _ = try DeliveryStatus(decoding: $0) }),
            (try DeliveryMarker.sent(message, key: [1, 2], at: 1).encoded(), { _ = try DeliveryMarker(decoding: $0) }),
            (try SealedDataPayload(key: [3], message: message).encoded(), { _ = try SealedDataPayload(decoding: $0) }),
            (try AckPayload(messageIDs: [Fixture.id(1)], heartbeat: 2).encoded(), { _ = try AckPayload(decoding: $0) }),
            (HeartbeatPayload(sequence: 1, sentAt: 2).encoded(), { _ = try HeartbeatPayload(decoding: $0) }),
        ]
        var decodedCount = 0
        let rounds = 3_500
        for round in 0..<rounds {
            let (original, decode) = decoders[round % decoders.count]
            var bytes = original
            for _ in 0...Int.random(in: 0..<4, using: &random) {
                let index = Int.random(in: 0..<bytes.count, using: &random)
                bytes[index] = UInt8.random(in: 0...255, using: &random)
            }
            if Bool.random(using: &random) { bytes = Array(bytes.prefix(Int.random(in: 0...bytes.count, using: &random))) }
            do {
                try decode(bytes)
                decodedCount += 1
            } catch let error as LinkManagerError {
                #expect(error.code.rawValue >= 800 && error.code.rawValue < 900)
            } catch {
                Issue.record("not a LinkManagerError: \(error)")
            }
        }
        #expect(decodedCount < rounds)
    }

    @Test func descriptionsNeverShowPayloads() {
        let secret = AuthenticatedMessage(header: message.header, payload: Array("SECRET-PAYLOAD".utf8))
        #expect(!"\(secret)".contains("SECRET"))
        #expect("\(secret)".contains("m-1"))
    }
}

@Suite("Identity cache")
struct IdentityCacheTests {
    @Test func cachedDecodingEqualsPlainDecodingAndStaysBounded() throws {
        var cache = IdentityCache(capacity: 3)
        for n in 0..<10 {
            let peer = n % 2 == 0 ? Fixture.bob : Fixture.carol
            let m = Fixture.message(n, to: peer, ttl: 5)
            let bytes = try m.encoded()
            #expect(try AuthenticatedMessage(decoding: bytes, cache: &cache) == m)
            let sealed = try SealedDataPayload(key: [1], message: m).encoded()
            #expect(try SealedDataPayload(decoding: sealed, cache: &cache) == SealedDataPayload(decoding: sealed))
            #expect(cache.count <= 3)
        }
        #expect(cache.count == 3)  // alice, bob, carol
        var fourth = Fixture.message(1, from: HoldingIdentity(name: try X500Name("O=Dave Corp, L=Paris, C=FR"), groupID: Fixture.group))
        _ = try AuthenticatedMessage(decoding: try fourth.encoded(), cache: &cache)
        #expect(cache.count <= 3)
        // Invalid names are still refused, and never cached.
        fourth.payload = []
        var bytes = try fourth.encoded()
        let at = bytes.firstIndex(of: UInt8(ascii: "O"))!
        bytes[at] = UInt8(ascii: "Q")
        expectCode(.invalidIdentity) { try AuthenticatedMessage(decoding: bytes, cache: &cache) }
        expectCode(.invalidIdentity) { try AuthenticatedMessage(decoding: bytes, cache: &cache) }
    }
}
