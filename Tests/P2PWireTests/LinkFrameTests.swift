import NIOCore
import P2PWire
import Testing

@Suite("Link frames: round trips, layout, and every rejection")
struct LinkFrameTests {
    @Test("every frame type round-trips, consuming exactly its bytes")
    func roundTripEveryType() throws {
        let frames = try WireFixtures.everyType()
        #expect(Set(frames.map(\.type)) == Set(LinkFrameType.allCases))
        for frame in frames {
            var buffer = WireFixtures.encoded(frame)
            #expect(buffer.readableBytes == frame.encodedLength)
            buffer.writeString("next")
            let decoded = try #require(try LinkFrame.decode(from: &buffer))
            #expect(decoded == frame)
            #expect(decoded.body == frame.body)
            #expect(buffer.readableBytes == 4)
            #expect(WireFixtures.encoded(decoded) == WireFixtures.encoded(frame))
        }
    }

    @Test("the header is laid out as the wire format says, and is the AEAD associated data")
    func headerLayout() throws {
        let frame = try WireFixtures.dataFrame(payload: WireFixtures.bytes(100, seed: 1), sequence: 0x1122)
        let encoded = WireFixtures.encoded(frame)
        let bytes = Array(encoded.readableBytesView)
        #expect(bytes[0..<4] == [0, 0, 0, UInt8(36 + 8 + 4 + 100)])
        #expect(bytes[4] == 1 && bytes[5] == 5 && bytes[6] == 0 && bytes[7] == 0)
        #expect(Array(bytes[8..<24]) == WireFixtures.session.bytes)
        #expect(bytes[24..<32] == [0, 0, 0, 0, 0, 0, 0x11, 0x22])
        #expect(encoded.getInteger(at: 32, as: UInt64.self) == 1_700_000_000_000)
        #expect(encoded.getInteger(at: 40, as: UInt64.self) == 1_700_000_060_000)
        #expect(encoded.getInteger(at: 48, as: UInt32.self) == 100)

        let header = encoded.getSlice(at: 0, length: 40)!
        #expect(frame.headerBytes == header)
        #expect(try frame.header.associatedData(sealedPayloadLength: 100) == header)
        var input = encoded
        let decoded = try #require(try LinkFrame.decode(from: &input))
        #expect(decoded.headerBytes == header)
        // For every type with a sealed payload, the associated data computed before sealing is
        // exactly the first 40 bytes of the frame that carries it.
        for frame in try WireFixtures.everyType() where frame.type.hasSealedPayload {
            let encodedFrame = WireFixtures.encoded(frame)
            let sealedLength = Int(encodedFrame.getInteger(at: frame.encodedLength - sealedPayloadLength(frame) - 4, as: UInt32.self)!)
            #expect(sealedLength == sealedPayloadLength(frame))
            #expect(try frame.header.associatedData(sealedPayloadLength: sealedLength) == encodedFrame.getSlice(at: 0, length: 40))
        }
        // Seal-then-frame: the associated data computed from a header matches the frame built from it.
        let ackHeader = LinkFrameHeader(type: .ack, sessionID: WireFixtures.session, sequenceNumber: 3, timestamp: 4)
        let associatedData = try ackHeader.associatedData(sealedPayloadLength: 24)
        let ack = try LinkFrame(header: ackHeader, body: .ack(sealedPayload: ByteBuffer(repeating: 9, count: 24)))
        #expect(ack.headerBytes == associatedData)
        #expect(WireFixtures.encoded(ack).getSlice(at: 0, length: 40) == associatedData)
        #expect(throws: WireError(.unknownFrameType)) {
            try LinkFrameHeader(type: .initiatorHello, sessionID: .zero, sequenceNumber: 0, timestamp: 0)
                .associatedData(sealedPayloadLength: 1)
        }
    }

    private func sealedPayloadLength(_ frame: LinkFrame) -> Int {
        switch frame.body {
        case .initiatorHandshake(let payload), .responderHandshake(let payload), .ack(let payload),
            .heartbeat(let payload), .data(_, let payload):
            payload.readableBytes
        case .initiatorHello, .responderHello, .unauthenticated:
            -1
        }
    }

    @Test("a decoded payload is a slice of the input, not a copy")
    func zeroCopy() throws {
        let frame = try WireFixtures.dataFrame(payload: WireFixtures.bytes(4096, seed: 2))
        var input = WireFixtures.encoded(frame)
        let inputBase = input.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress) }
        let decoded = try #require(try LinkFrame.decode(from: &input))
        guard case .data(_, let payload) = decoded.body else {
            Issue.record("not a data frame")
            return
        }
        let payloadBase = payload.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress) }
        #expect(payloadBase == inputBase + 52)
    }

    @Test("every prefix of a valid frame needs more bytes and consumes nothing")
    func everyPrefixNeedsMoreBytes() throws {
        for frame in try WireFixtures.everyType() {
            let encoded = WireFixtures.encoded(frame)
            for length in 0..<encoded.readableBytes {
                var prefix = encoded.getSlice(at: 0, length: length)!
                #expect(try LinkFrame.decode(from: &prefix) == nil)
                #expect(prefix.readableBytes == length)
            }
        }
    }

    @Test("a frame whose length field is cut short is a typed error, never a crash")
    func everyShortenedLengthField() throws {
        for frame in try WireFixtures.everyType() {
            let encoded = WireFixtures.encoded(frame)
            for total in 40..<encoded.readableBytes {
                var cut = encoded.getSlice(at: 0, length: total)!
                cut.setInteger(UInt32(total - 4), at: 0)
                #expect(throws: WireError.self) { try LinkFrame.decode(from: &cut) }
            }
        }
    }

    @Test("a length prefix over the limit is rejected from its 4 bytes alone")
    func oversizedLengthRejectedEarly() throws {
        var fourGiB = ByteBuffer(bytes: [0xFF, 0xFF, 0xFF, 0xFF])
        #expect(throws: WireError(.frameTooLarge)) { try LinkFrame.decode(from: &fourGiB) }
        let limits = FrameLimits(maximumFrameLength: 1000)
        var justOver = ByteBuffer(integer: UInt32(1000 - 4 + 1))
        #expect(throws: WireError(.frameTooLarge)) { try LinkFrame.decode(from: &justOver, limits: limits) }
        var atLimit = ByteBuffer(integer: UInt32(1000 - 4))
        #expect(try LinkFrame.decode(from: &atLimit, limits: limits) == nil)
        var tooShort = ByteBuffer(integer: UInt32(35))
        #expect(throws: WireError(.frameTooShort)) { try LinkFrame.decode(from: &tooShort) }
    }

    @Test("version, type and flags are rejected as soon as their bytes arrive")
    func headerFieldsRejectedEarly() {
        var version = WireFixtures.rawHeader(length: 48, version: 2).getSlice(at: 0, length: 5)!
        #expect(throws: WireError(.unsupportedVersion)) { try LinkFrame.decode(from: &version) }
        for rawType: UInt8 in [0, 9, 255] {
            var type = WireFixtures.rawHeader(length: 48, type: rawType).getSlice(at: 0, length: 6)!
            #expect(throws: WireError(.unknownFrameType)) { try LinkFrame.decode(from: &type) }
        }
        var flags = WireFixtures.rawHeader(length: 48, flags: 0x8000).getSlice(at: 0, length: 8)!
        #expect(throws: WireError(.reservedFlagsSet)) { try LinkFrame.decode(from: &flags) }
    }

    @Test("the default limits carry a 1,000,000-byte payload, and the limits are enforced")
    func defaultLimits() throws {
        let big = try WireFixtures.dataFrame(payload: ByteBuffer(repeating: 1, count: 1_000_000))
        var input = WireFixtures.encoded(big)
        #expect(try LinkFrame.decode(from: &input) == big)
        let limits = FrameLimits(maximumPayloadLength: 100)
        #expect(throws: WireError(.fieldTooLarge)) {
            try LinkFrame(
                sessionID: .zero, sequenceNumber: 0, timestamp: 0,
                body: .data(expiry: 0, sealedPayload: ByteBuffer(repeating: 0, count: 101)), limits: limits)
        }
        var encoded = WireFixtures.encoded(try WireFixtures.dataFrame(payload: ByteBuffer(repeating: 0, count: 101)))
        #expect(throws: WireError(.fieldTooLarge)) { try LinkFrame.decode(from: &encoded, limits: limits) }
        #expect(FrameLimits(maximumFrameLength: .max).maximumFrameLength == FrameLimits.absoluteMaximumFrameLength)
        let handshake = LinkFrame.Body.initiatorHandshake(sealedPayload: ByteBuffer(repeating: 0, count: 16 * 1024 + 1))
        #expect(throws: WireError(.fieldTooLarge)) {
            try LinkFrame(sessionID: .zero, sequenceNumber: 0, timestamp: 0, body: handshake)
        }
    }

    @Test("bytes after the last field are rejected")
    func trailingBytes() throws {
        var encoded = WireFixtures.encoded(try WireFixtures.dataFrame(payload: WireFixtures.bytes(10, seed: 1)))
        encoded.setInteger(UInt32(encoded.readableBytes - 4 + 1), at: 0)
        encoded.writeInteger(UInt8(0))
        #expect(throws: WireError(.trailingBytes)) { try LinkFrame.decode(from: &encoded) }
    }

    @Test("mode bitmasks: zero or unknown bits rejected, a selected mode must be exactly one known bit")
    func modes() throws {
        #expect(throws: WireError(.invalidSupportedModes)) { try ProtocolModes(validating: 0) }
        #expect(throws: WireError(.invalidSupportedModes)) { try ProtocolModes(validating: 4) }
        #expect(try ProtocolModes(validating: 3) == .known)
        #expect(throws: WireError(.invalidSelectedMode)) { try ProtocolMode(validating: 3) }
        #expect(throws: WireError(.invalidSelectedMode)) { try ProtocolMode(validating: 0) }

        let frames = try WireFixtures.everyType()
        var hello = WireFixtures.encoded(frames[0])
        hello.setInteger(UInt8(0x83), at: 40 + 32)
        #expect(throws: WireError(.invalidSupportedModes)) { try LinkFrame.decode(from: &hello) }
        var responder = WireFixtures.encoded(frames[1])
        responder.setInteger(UInt8(3), at: 40 + 32)
        #expect(throws: WireError(.invalidSelectedMode)) { try LinkFrame.decode(from: &responder) }
    }

    @Test("text fields: invalid UTF-8, empty and oversized values are rejected on both sides")
    func textFields() throws {
        // Overlong encoding, a lone surrogate, a bare continuation byte, a truncated sequence.
        for invalid: [UInt8] in [[0xC0, 0x80], [0xED, 0xA0, 0x80], [0x80], [0xE2, 0x82]] {
            var hello = try #require(try WireFixtures.everyType().first).body
            guard case .initiatorHello(var fields) = hello else { return }
            fields.groupID = ByteBuffer(bytes: invalid)
            hello = .initiatorHello(fields)
            #expect(throws: WireError(.invalidUTF8)) {
                try LinkFrame(sessionID: .zero, sequenceNumber: 0, timestamp: 0, body: hello)
            }
            // The same bytes on the wire: replace the group id of an encoded hello.
            var wire = WireFixtures.encoded(try WireFixtures.everyType()[0])
            let groupOffset = 40 + 32 + 1 + 32
            wire.moveWriterIndex(to: groupOffset)
            wire.writeInteger(UInt8(invalid.count))
            wire.writeBytes(invalid)
            wire.setInteger(UInt32(wire.readableBytes - 4), at: 0)
            #expect(throws: WireError(.invalidUTF8)) { try LinkFrame.decode(from: &wire) }
        }
        // A group id of 129 bytes on the wire: its u8 length could say up to 255, the limit is 128.
        var longGroup = WireFixtures.encoded(try WireFixtures.everyType()[0])
        longGroup.moveWriterIndex(to: 40 + 32 + 1 + 32)
        longGroup.writeInteger(UInt8(129))
        longGroup.writeRepeatingByte(UInt8(ascii: "g"), count: 129)
        longGroup.setInteger(UInt32(longGroup.readableBytes - 4), at: 0)
        #expect(throws: WireError(.fieldTooLarge)) { try LinkFrame.decode(from: &longGroup) }

        guard case .unauthenticated(let message) = try WireFixtures.everyType()[8].body else { return }
        var empty = message
        empty.messageID = ByteBuffer()
        #expect(throws: WireError(.fieldTooShort)) {
            try LinkFrame(sessionID: .zero, sequenceNumber: 0, timestamp: 0, body: .unauthenticated(empty))
        }
        var long = message
        long.source = ByteBuffer(repeating: UInt8(ascii: "a"), count: 1025)
        #expect(throws: WireError(.fieldTooLarge)) {
            try LinkFrame(sessionID: .zero, sequenceNumber: 0, timestamp: 0, body: .unauthenticated(long))
        }
        var subsystem = message
        subsystem.subsystem = ByteBuffer(repeating: UInt8(ascii: "s"), count: 65)
        #expect(throws: WireError(.fieldTooLarge)) {
            try LinkFrame(sessionID: .zero, sequenceNumber: 0, timestamp: 0, body: .unauthenticated(subsystem))
        }
    }

    @Test("keys and hashes must have their fixed size; Unauthenticated frames have a zero session id")
    func fixedFieldsAndSession() throws {
        let short = ResponderHello(ephemeralPublicKey: ByteBuffer(repeating: 1, count: 31), selectedMode: .authenticationOnly)
        #expect(throws: WireError(.invalidFixedSizeField)) {
            try LinkFrame(sessionID: .zero, sequenceNumber: 0, timestamp: 0, body: .responderHello(short))
        }
        let unauthenticated = try WireFixtures.everyType()[8]
        #expect(throws: WireError(.sessionIDNotZero)) {
            try LinkFrame(
                sessionID: WireFixtures.session, sequenceNumber: 0, timestamp: 0, body: unauthenticated.body)
        }
        var wire = WireFixtures.encoded(unauthenticated)
        wire.setInteger(UInt8(1), at: 23)
        #expect(throws: WireError(.sessionIDNotZero)) { try LinkFrame.decode(from: &wire) }
    }

    @Test("session ids: 16 bytes in wire order, zero, random")
    func sessionIDs() {
        let bytes = (1...16).map { UInt8($0) }
        #expect(SessionID(bytes: bytes) == WireFixtures.session)
        #expect(WireFixtures.session.bytes == bytes)
        #expect(SessionID(bytes: bytes.dropLast()) == nil)
        #expect(SessionID.zero.isZero && !WireFixtures.session.isZero)
        #expect(SessionID.random() != SessionID.random())
        #expect(WireFixtures.session.description == "0102030405060708090a0b0c0d0e0f10")
    }

    @Test("error descriptions name the rule and sizes, never payload bytes")
    func errorDescription() {
        let error = WireError(.frameTooLarge, "2000 bytes, maximum 1000")
        #expect(error.description == "WireError: frame too large (203): 2000 bytes, maximum 1000")
        #expect(error == WireError(.frameTooLarge))
        #expect(error != WireError(.frameTooShort))
    }
}

@Suite("Link frame expiry")
struct LinkFrameExpiryTests {
    @Test("Data and Unauthenticated frames expire at their expiry; 0 and other types never do")
    func expiry() throws {
        let frames = try WireFixtures.everyType()
        #expect(frames.map(\.expiry) == [nil, nil, nil, nil, nil, .max, nil, nil, 1_700_000_123_456])
        let data = try WireFixtures.dataFrame(payload: ByteBuffer())
        #expect(!data.isExpired(nowMilliseconds: 1_700_000_059_999))
        #expect(data.isExpired(nowMilliseconds: 1_700_000_060_000))
        #expect(!frames[4].isExpired(nowMilliseconds: .max))
        #expect(!frames[0].isExpired(nowMilliseconds: .max))
    }
}

@Suite("Link frame description")
struct LinkFrameDescriptionTests {
    @Test("a frame's description shows its header and size, not its payload")
    func description() throws {
        let frame = try WireFixtures.dataFrame(payload: ByteBuffer(string: "secret-ish payload"), sequence: 9)
        #expect(
            frame.description
                == "LinkFrame(data, session 0102030405060708090a0b0c0d0e0f10, sequence 9, timestamp 1700000000000, 70 bytes)")
        #expect(!String(describing: frame).contains("736563726574"))  // hex of "secret"
    }
}
