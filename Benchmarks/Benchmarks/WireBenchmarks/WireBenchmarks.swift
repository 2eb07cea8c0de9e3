import Benchmark
import NIOCore
import P2PWire

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .throughput])

    Benchmark("ByteBuffer write+read 1 KB (baseline)") { benchmark in
        var buffer = ByteBufferAllocator().buffer(capacity: 2048)
        let payload = [UInt8](repeating: 7, count: 1024)
        for _ in benchmark.scaledIterations {
            buffer.clear()
            buffer.writeBytes(payload)
            blackHole(buffer.readSlice(length: 1024))
        }
    }
}
