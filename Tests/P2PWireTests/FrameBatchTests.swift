import NIOCore
import P2PWire
import Testing

@Suite("Gateway batches: layout, compression policy, limits, corruption")
struct FrameBatchTests {
    static func repetitiveFrames(count: Int = 20, size: Int = 1024) throws -> [LinkFrame] {
        try (0..<count).map { index in
            try WireFixtures.dataFrame(
                payload: ByteBuffer(string: String(repeating: "payload \(index % 3) ", count: size / 10)),
                sequence: UInt64(index))
        }
    }

    static func randomFrames(count: Int = 20, size: Int = 1024) throws -> [LinkFrame] {
        try (0..<count).map { index in
            try WireFixtures.dataFrame(payload: WireFixtures.bytes(size, seed: UInt64(index)), sequence: UInt64(index))
        }
    }

    static func encode(
        _ frames: [LinkFrame], policy: CompressionPolicy, limits: BatchLimits = .default
    ) throws -> (FrameBatchHeader, ByteBuffer) {
        var encoder = FrameBatchEncoder(policy: policy, limits: limits)
        var body = ByteBuffer()
        let header = try encoder.encode(frames, into: &body)
        return (header, body)
    }

    @Test("round trip under every policy, every frame type, the header as documented")
    func roundTrip() throws {
        let frames = try WireFixtures.everyType() + Self.repetitiveFrames(count: 4)
        for policy in [CompressionPolicy.never, .always, .auto] {
            let (header, body) = try Self.encode(frames, policy: policy)
            #expect(body.getInteger(at: 0, as: UInt32.self) == 0x5032_5042)  // "P2PB"
            #expect(body.getInteger(at: 4, as: UInt8.self) == 1)
            #expect(body.getInteger(at: 5, as: UInt8.self) == header.compression.rawValue)
            #expect(body.getInteger(at: 6, as: UInt16.self) == 0)
            #expect(body.getInteger(at: 8, as: UInt32.self) == UInt32(frames.count))
            #expect(body.getInteger(at: 12, as: UInt32.self) == UInt32(frames.map(\.encodedLength).reduce(0, +)))
            let batch = try FrameBatch.decode(body: body)
            #expect(batch.header == header)
            #expect(batch.frames == frames)
        }
    }

    @Test("auto compresses repetitive frames, not random ones nor small sections")
    func autoPolicy() throws {
        for size in [1024, 10 * 1024] {
            let (repetitive, repetitiveBody) = try Self.encode(Self.repetitiveFrames(size: size), policy: .auto)
            #expect(repetitive.compression == .lz4)
            #expect(repetitiveBody.readableBytes < repetitive.uncompressedLength / 4)
            let (random, randomBody) = try Self.encode(Self.randomFrames(size: size), policy: .auto)
            #expect(random.compression == .none)
            #expect(randomBody.readableBytes == 16 + random.uncompressedLength)
        }
        let (small, _) = try Self.encode(Self.repetitiveFrames(count: 1, size: 500), policy: .auto)
        #expect(small.compression == .none)
        let (always, alwaysBody) = try Self.encode(Self.randomFrames(count: 2), policy: .always)
        #expect(always.compression == .lz4)
        #expect(try FrameBatch.decode(body: alwaysBody).frames == (try Self.randomFrames(count: 2)))
    }

    @Test("frames of an uncompressed batch are slices of the body")
    func zeroCopy() throws {
        let (_, body) = try Self.encode(Self.randomFrames(count: 2), policy: .never)
        let base = body.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress) }
        let batch = try FrameBatch.decode(body: body)
        guard case .data(_, let payload) = batch.frames[1].body else {
            Issue.record("not a data frame")
            return
        }
        let payloadBase = payload.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress) }
        #expect(payloadBase == base + UInt(16 + batch.frames[0].encodedLength + 52))
    }

    @Test("every truncation of a valid batch is a typed error")
    func everyTruncation() throws {
        for policy in [CompressionPolicy.never, .always] {
            let (_, body) = try Self.encode(Self.repetitiveFrames(count: 3, size: 300), policy: policy)
            for length in 0..<body.readableBytes {
                #expect(throws: WireError.self) { try FrameBatch.decode(body: body.getSlice(at: 0, length: length)!) }
            }
        }
    }

    @Test("declared sizes over the limits are rejected from the 16-byte header, before the section arrives")
    func headerLimits() throws {
        func header(count: UInt32 = 1, length: UInt32 = 100, compression: UInt8 = 1) -> ByteBuffer {
            var buffer = ByteBuffer()
            buffer.writeMultipleIntegers(UInt32(0x5032_5042), UInt8(1), compression, UInt16(0), count, length)
            return buffer
        }
        #expect(throws: WireError(.uncompressedLengthTooLarge)) {
            try FrameBatchHeader.decode(from: header(length: .max))
        }
        #expect(throws: WireError(.uncompressedLengthTooLarge)) {
            try FrameBatchHeader.decode(from: header(length: UInt32(BatchLimits.defaultMaximumUncompressedLength + 1)))
        }
        #expect(throws: WireError(.tooManyFrames)) { try FrameBatchHeader.decode(from: header(count: .max, length: 1 << 20)) }
        #expect(throws: WireError(.emptyBatch)) { try FrameBatchHeader.decode(from: header(count: 0)) }
        #expect(throws: WireError(.frameCountMismatch)) { try FrameBatchHeader.decode(from: header(count: 3, length: 100)) }
        #expect(throws: WireError(.batchSectionTooShort)) { try FrameBatchHeader.decode(from: header(length: 39)) }
        #expect(try FrameBatchHeader.decode(from: header().getSlice(at: 0, length: 15)!) == nil)
        #expect(try FrameBatchHeader.decode(from: header())?.uncompressedLength == 100)

        var badMagic = header()
        badMagic.setInteger(UInt8(ascii: "X"), at: 0)
        #expect(throws: WireError(.badBatchMagic)) { try FrameBatchHeader.decode(from: badMagic) }
        var version = header()
        version.setInteger(UInt8(2), at: 4)
        #expect(throws: WireError(.unsupportedBatchVersion)) { try FrameBatchHeader.decode(from: version) }
        #expect(throws: WireError(.unknownCompression)) { try FrameBatchHeader.decode(from: header(compression: 2)) }
        var reserved = header()
        reserved.setInteger(UInt16(1), at: 6)
        #expect(throws: WireError(.batchReservedBitsSet)) { try FrameBatchHeader.decode(from: reserved) }

        // A whole body claiming 4 GiB behind 8 compressed bytes: rejected before any allocation.
        var bomb = header(length: .max)
        bomb.writeBytes([0x1F, 0x41, 0, 0, 0, 0, 0, 0])
        #expect(throws: WireError(.uncompressedLengthTooLarge)) { try FrameBatch.decode(body: bomb) }
        // Within the limit, but more than 8 compressed bytes could ever produce.
        var ratio = header(count: 1, length: 1 << 20)
        ratio.writeBytes([0x1F, 0x41, 0, 0, 0, 0, 0, 0])
        #expect(throws: WireError(.uncompressedLengthTooLarge)) { try FrameBatch.decode(body: ratio) }
    }

    @Test("the body length is checked before reading (413), on decode and on encode")
    func bodyLength() throws {
        #expect(throws: WireError(.batchTooLarge)) { try FrameBatch.checkBodyLength(8 * 1024 * 1024 + 1) }
        try FrameBatch.checkBodyLength(8 * 1024 * 1024)
        let limits = BatchLimits(maximumBodyLength: 4096)
        let (_, body) = try Self.encode(Self.randomFrames(count: 5), policy: .never)
        #expect(throws: WireError(.batchTooLarge)) { try FrameBatch.decode(body: body, limits: limits) }
        var encoder = FrameBatchEncoder(policy: .never, limits: limits)
        var out = ByteBuffer(string: "keep")
        #expect(throws: WireError(.batchTooLarge)) { try encoder.encode(Self.randomFrames(count: 5), into: &out) }
        #expect(out == ByteBuffer(string: "keep"))
        // Compression makes the same frames fit.
        encoder.policy = .auto
        #expect(try encoder.encode(Self.repetitiveFrames(count: 5), into: &out).compression == .lz4)
    }

    @Test("the encoder refuses what the decoder would refuse: empty, too many frames, too long")
    func encoderLimits() throws {
        #expect(throws: WireError(.emptyBatch)) { try Self.encode([], policy: .auto) }
        let limits = BatchLimits(maximumUncompressedLength: 2000, maximumFrameCount: 2)
        #expect(throws: WireError(.tooManyFrames)) {
            try Self.encode(Self.randomFrames(count: 3, size: 10), policy: .auto, limits: limits)
        }
        #expect(throws: WireError(.uncompressedLengthTooLarge)) {
            try Self.encode(Self.randomFrames(count: 2, size: 1000), policy: .auto, limits: limits)
        }
    }

    @Test("corrupt lz4 data, wrong declared lengths and wrong frame counts are typed errors")
    func corruption() throws {
        let frames = try Self.repetitiveFrames(count: 10)
        let (header, body) = try Self.encode(frames, policy: .always)
        // Garbage in place of the compressed block.
        var garbage = body.getSlice(at: 0, length: 16)!
        garbage.writeBytes([UInt8](repeating: 0xFF, count: 64))
        #expect(throws: WireError(.decompressionFailed)) { try FrameBatch.decode(body: garbage) }
        // Declared longer than the block produces.
        var longer = body
        longer.setInteger(UInt32(header.uncompressedLength + 1), at: 12)
        #expect(throws: WireError(.decompressedLengthMismatch)) { try FrameBatch.decode(body: longer) }
        // Declared shorter: lz4 would overrun the buffer and stops.
        var shorter = body
        shorter.setInteger(UInt32(header.uncompressedLength - 1), at: 12)
        #expect(throws: WireError(.decompressionFailed)) { try FrameBatch.decode(body: shorter) }
        // Counts that do not match the section.
        var fewer = body
        fewer.setInteger(UInt32(9), at: 8)
        #expect(throws: WireError(.frameCountMismatch)) { try FrameBatch.decode(body: fewer) }
        var more = body
        more.setInteger(UInt32(11), at: 8)
        #expect(throws: WireError(.frameCountMismatch)) { try FrameBatch.decode(body: more) }
        // Uncompressed: a section longer than declared, and a frame error inside the section.
        var (_, plain) = try Self.encode(frames, policy: .never)
        plain.writeInteger(UInt8(0))
        #expect(throws: WireError(.batchLengthMismatch)) { try FrameBatch.decode(body: plain) }
        var (_, badFrame) = try Self.encode(frames, policy: .never)
        badFrame.setInteger(UInt8(9), at: 16 + 5)
        #expect(throws: WireError(.unknownFrameType)) { try FrameBatch.decode(body: badFrame) }
    }
}
