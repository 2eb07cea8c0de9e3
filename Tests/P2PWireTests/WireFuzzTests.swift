import NIOCore
import P2PWire
import Testing
import P2PTestSupport

/// Seeded, bounded random inputs: the decoders return a frame, ask for more bytes, or throw a
/// `WireError` (the only error type they can throw); they never crash. An accepted frame re-encodes
/// to exactly the bytes it was decoded from.
@Suite("Random and bit-flipped input")
struct WireFuzzTests {
    static let rounds = 2000

    /// Decodes `input`; if a frame comes out, checks that it re-encodes to the bytes it consumed.
    func decodeAndCheck(_ input: ByteBuffer) {
        var buffer = input
        do {
            guard let frame = try LinkFrame.decode(from: &buffer) else {
                #expect(buffer.readableBytes == input.readableBytes)
                return
            }
            let consumed = input.readableBytes - buffer.readableBytes
            #expect(WireFixtures.encoded(frame) == input.getSlice(at: input.readerIndex, length: consumed))
        } catch {
            #expect(error.code.rawValue >= 200 && error.code.rawValue < 300)
        }
    }

    @Test("random bytes, and random bodies behind a plausible header")
    func randomInput() {
        var generator = SplitMix64(seed: 0x5EED_0001)
        for round in 0..<Self.rounds {
            let count = Int.random(in: 0...300, using: &generator)
            var bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
            if round % 2 == 0 {
                // A consistent length, version 1, a valid type, zero flags: reach the body parsers.
                var header = WireFixtures.rawHeader(
                    length: UInt32(36 + count), type: UInt8.random(in: 1...8, using: &generator),
                    session: round % 4 == 0 ? .zero : WireFixtures.session)
                header.writeBytes(bytes)
                bytes = Array(header.readableBytesView)
            }
            decodeAndCheck(ByteBuffer(bytes: bytes))
        }
    }

    @Test("bit flips and byte changes of valid frames of every type")
    func bitFlips() throws {
        var generator = SplitMix64(seed: 0x5EED_0002)
        let frames = try WireFixtures.everyType().map(WireFixtures.encoded)
        var accepted = 0
        for round in 0..<Self.rounds {
            var bytes = frames[round % frames.count]
            for _ in 0..<Int.random(in: 1...3, using: &generator) {
                let index = Int.random(in: 0..<bytes.readableBytes, using: &generator)
                let old = bytes.getInteger(at: index, as: UInt8.self)!
                let new = round % 3 == 0 ? UInt8.random(in: 0...255, using: &generator) : old ^ (1 << UInt8.random(in: 0...7, using: &generator))
                bytes.setInteger(new, at: index)
            }
            var probe = bytes
            if (try? LinkFrame.decode(from: &probe)) != nil { accepted += 1 }
            decodeAndCheck(bytes)
        }
        // Flips inside payloads, keys and timestamps are still valid frames: both outcomes happen.
        #expect(accepted > 0 && accepted < Self.rounds)
    }

    @Test("bit flips of valid batches, compressed and not")
    func batchBitFlips() throws {
        var generator = SplitMix64(seed: 0x5EED_0003)
        let frames = try (0..<8).map { index in
            try WireFixtures.dataFrame(payload: ByteBuffer(repeating: UInt8(index), count: 600), sequence: UInt64(index))
        }
        var bodies: [ByteBuffer] = []
        for policy in [CompressionPolicy.never, .always] {
            var encoder = FrameBatchEncoder(policy: policy)
            var body = ByteBuffer()
            try encoder.encode(frames, into: &body)
            bodies.append(body)
        }
        for round in 0..<(Self.rounds / 2) {
            var body = bodies[round % 2]
            let index = Int.random(in: 0..<body.readableBytes, using: &generator)
            body.setInteger(body.getInteger(at: index, as: UInt8.self)! ^ (1 << UInt8.random(in: 0...7, using: &generator)), at: index)
            do {
                let batch = try FrameBatch.decode(body: body)
                #expect(batch.frames.count == batch.header.frameCount)
            } catch {
                #expect(error.code.rawValue >= 200 && error.code.rawValue < 300)
            }
        }
    }
}
