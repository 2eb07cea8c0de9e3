import Benchmark
import NIOCore
import P2PWire

/// Frame encode/decode (Data frames, 1 KB and 10 KB payloads) and batch compress/decompress
/// (64 frames of 1 KB or 10 KB, compressible text or random bytes). Inputs are built once, outside
/// the measured loops. See PERFORMANCE.md, "Wire codecs".
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal, .throughput],
        maxDuration: .seconds(2), maxIterations: 100_000)

    // The harness's own allocations per sample: subtract them from the figures below.
    Benchmark("Harness baseline (empty sample)") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(benchmark) }
    }

    let payloadSizes = [1024, 10 * 1024]
    let framesPerBatch = 64

    for size in payloadSizes {
        let label = "\(size / 1024) KB"
        let frame = WireBench.dataFrame(payload: WireBench.randomBytes(size, seed: 1), sequence: 1)
        let encoded = WireBench.encoded(frame)
        let frameScale = Benchmark.Configuration(scalingFactor: .kilo)

        Benchmark("Frame encode Data \(label)", configuration: frameScale) { benchmark in
            var buffer = ByteBufferAllocator().buffer(capacity: frame.encodedLength)
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                buffer.clear()
                frame.encode(into: &buffer)
                blackHole(buffer.readableBytes)
            }
        }

        Benchmark("Frame decode Data \(label)", configuration: frameScale) { benchmark in
            for _ in benchmark.scaledIterations {
                var input = encoded
                blackHole(try LinkFrame.decode(from: &input))
            }
        }

        for content in WireBench.Content.allCases {
            let frames = (0..<framesPerBatch).map { index in
                WireBench.dataFrame(payload: content.payload(size, seed: UInt64(index)), sequence: UInt64(index))
            }
            let name = "\(framesPerBatch) × \(label) frames, \(content)"
            let compressed = WireBench.compressedBatch(frames)

            Benchmark("Batch compress \(name)") { benchmark in
                var encoder = FrameBatchEncoder(policy: .always)
                var body = ByteBufferAllocator().buffer(capacity: compressed.readableBytes * 2)
                _ = try? encoder.encode(frames, into: &body)  // warm the encoder's scratch buffer
                benchmark.startMeasurement()
                for _ in benchmark.scaledIterations {
                    body.clear()
                    blackHole(try encoder.encode(frames, into: &body))
                }
            }

            Benchmark("Batch decompress \(name)") { benchmark in
                for _ in benchmark.scaledIterations {
                    blackHole(try FrameBatch.decode(body: compressed))
                }
            }
        }
    }
}

enum WireBench {
    enum Content: CaseIterable, CustomStringConvertible {
        case compressible
        case random

        var description: String { self == .compressible ? "compressible" : "random" }

        func payload(_ size: Int, seed: UInt64) -> ByteBuffer {
            switch self {
            case .compressible:
                // JSON-like application records, as an authentication-only session carries them: a
                // random 32-hex-digit id and amount per record, the rest repeats (lz4 ratio about 2.4).
                var random = WireBench.randomBytes(size, seed: seed)
                var text = ""
                while text.utf8.count < size, let id = random.readBytes(length: 16), let amount = random.readInteger(as: UInt16.self) {
                    let hex = id.map { String($0, radix: 16) }.joined()
                    text += "{\"messageId\":\"\(hex)\",\"sender\":\"O=Alice, L=London, C=GB\",\"amount\":\(amount)}\n"
                }
                return ByteBuffer(string: String(text.utf8.prefix(size))!)
            case .random:
                return WireBench.randomBytes(size, seed: seed)
            }
        }
    }

    /// SplitMix64 bytes: reproducible, incompressible.
    static func randomBytes(_ count: Int, seed: UInt64) -> ByteBuffer {
        var state = seed &* 0x9E37_79B9_7F4A_7C15
        var buffer = ByteBufferAllocator().buffer(capacity: count)
        for _ in 0..<count {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            buffer.writeInteger(UInt8(truncatingIfNeeded: z ^ (z >> 31)))
        }
        return buffer
    }

    static func encoded(_ frame: LinkFrame) -> ByteBuffer {
        var buffer = ByteBuffer()
        frame.encode(into: &buffer)
        return buffer
    }

    static func compressedBatch(_ frames: [LinkFrame]) -> ByteBuffer {
        var encoder = FrameBatchEncoder(policy: .always)
        var body = ByteBuffer()
        try! encoder.encode(frames, into: &body)
        return body
    }

    static func dataFrame(payload: ByteBuffer, sequence: UInt64) -> LinkFrame {
        try! LinkFrame(
            sessionID: SessionID(high: 1, low: 2), sequenceNumber: sequence, timestamp: 1_700_000_000_000,
            body: .data(expiry: 1_700_000_060_000, sealedPayload: payload))
    }
}
