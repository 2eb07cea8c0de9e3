import Benchmark
import P2PBus
import P2PBusJetStream
import P2PTestSupport
import Synchronization

// One hop: publish N records (pipelined, bounded window) → consume them in a consumer group →
// acknowledge each. One sample = `scaledIterations.count` (1000) records, so the reported time is
// per record. Each JetStream case runs next to a bare nats.c publisher/consumer doing the same
// hop against the same server in the same run.

/// Shared state, created in the setup hooks, used only by the benchmark closures.
final class BusBench: @unchecked Sendable {
    static let shared = BusBench()
    let lock = Mutex<Void>(())
    var servers: [String: NATSServer] = [:]
    var inProcess: (bus: InProcessBus, producer: any BusProducer, consumer: any BusConsumer)?
    var jetStream: [Int: (bus: JetStreamBus, producer: any BusProducer, consumer: any BusConsumer)] = [:]
    var bare: [Int: BareNATSHop] = [:]
    var paired: [Int: (bus: JetStreamBus, producer: any BusProducer, consumer: any BusConsumer, bare: BareNATSHop)] = [:]

    /// Each benchmark gets its own server, stopped by PID in its teardown.
    func startServer(for name: String) async throws -> NATSServer {
        let started = try await NATSServer.start()
        servers[name] = started
        return started
    }

    func stopServer(for name: String) {
        servers.removeValue(forKey: name)?.stop()
    }
}

struct BenchFailure: Error, CustomStringConvertible {
    let description: String
}

/// Publishes `count` records then polls and acks until all arrived (bounded by `maxPolls`).
func hop(producer: any BusProducer, consumer: any BusConsumer, topic: String, payload: [UInt8], count: Int) async throws {
    let key = Array("session-0001".utf8)
    for _ in 0..<count {
        _ = try await producer.send(BusRecord(topic: topic, key: key, value: payload, partition: 0))
    }
    try await producer.flush()
    var received = 0
    for _ in 0..<10_000 where received < count {
        let records = try await consumer.poll(maxRecords: 500, timeout: .seconds(1))
        try await consumer.ack(records)
        received += records.count
    }
    guard received == count else { throw BenchFailure(description: "received \(received) of \(count)") }
}

/// Bus throughput as a percentage of bare nats.c throughput, measured in pairs under the same load.
let pairedRatio = BenchmarkMetric.custom("JetStreamBus ÷ bare nats.c (%)", polarity: .prefersLarger, useScalingFactor: false)

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput], timeUnits: .microseconds, warmupIterations: 3, scalingFactor: .kilo,
        maxDuration: .seconds(5), maxIterations: 200)

    for size in [1024, 10 * 1024] {
        let label = size == 1024 ? "1 KB" : "10 KB"
        let payload = [UInt8](repeating: 0x5A, count: size)

        // Each sample runs the bus hop and the bare hop back to back (alternating which goes first)
        // against the same server, so both see the same load: the ratio is robust to the machine's
        // run-to-run variation, which separate benchmarks are not.
        Benchmark(
            "JetStreamBus vs bare nats.c hop \(label), paired",
            configuration: .init(metrics: [pairedRatio], maxDuration: .seconds(10), maxIterations: 100),
            closure: { benchmark in
                guard let state = BusBench.shared.paired[size] else { throw BenchFailure(description: "no setup") }
                let count = benchmark.scaledIterations.count
                let clock = ContinuousClock()
                var busTime = Duration.zero
                var bareTime = Duration.zero
                for order in [benchmark.currentIteration % 2 == 0, benchmark.currentIteration % 2 != 0] {
                    let start = clock.now
                    if order {
                        try await hop(producer: state.producer, consumer: state.consumer, topic: "pair\(size)", payload: payload, count: count)
                        busTime = clock.now - start
                    } else {
                        try state.bare.publish(count: count, payload: payload)
                        guard state.bare.consume(count: count) == count else { throw BenchFailure(description: "bare lost records") }
                        bareTime = clock.now - start
                    }
                }
                // Same record count: the throughput ratio is the inverse ratio of the times.
                benchmark.measurement(pairedRatio, Int((100 * (bareTime / busTime)).rounded()))
            },
            setup: {
                let server = try await BusBench.shared.startServer(for: "pair\(size)")
                let bus = try await JetStreamBus.connect(urls: [server.url])
                try await bus.createTopic(TopicSpec(name: "pair\(size)", partitions: 1))
                let producer = try await bus.makeProducer(options: ProducerOptions(maxInFlight: 1024))
                let consumer = try await bus.makeConsumer(topic: "pair\(size)", group: "bench", options: ConsumerOptions(memberID: "m1"))
                BusBench.shared.paired[size] = (bus, producer, consumer, try BareNATSHop(url: server.url, stream: "barepair\(size)"))
            },
            teardown: {
                if let state = BusBench.shared.paired[size] { await state.consumer.close(); await state.bus.close() }
                BusBench.shared.paired[size] = nil
                BusBench.shared.stopServer(for: "pair\(size)")
            })

        Benchmark(
            "InProcessBus hop \(label)",
            configuration: .init(timeUnits: .nanoseconds, maxIterations: 1000),
            closure: { benchmark in
                guard let state = BusBench.shared.inProcess else { throw BenchFailure(description: "no setup") }
                benchmark.startMeasurement()
                try await hop(producer: state.producer, consumer: state.consumer, topic: "bench", payload: payload,
                              count: benchmark.scaledIterations.count)
                benchmark.stopMeasurement()
            },
            setup: {
                let bus = InProcessBus()
                try await bus.createTopic(TopicSpec(name: "bench", partitions: 1, maxRecordsPerPartition: 10_000))
                let producer = try await bus.makeProducer(options: ProducerOptions(maxInFlight: 1024))
                let consumer = try await bus.makeConsumer(topic: "bench", group: "bench", options: ConsumerOptions(memberID: "m1"))
                BusBench.shared.inProcess = (bus, producer, consumer)
            },
            teardown: {
                if let state = BusBench.shared.inProcess { await state.consumer.close(); await state.bus.close() }
                BusBench.shared.inProcess = nil
            })

        Benchmark(
            "JetStreamBus hop \(label)",
            closure: { benchmark in
                guard let state = BusBench.shared.jetStream[size] else { throw BenchFailure(description: "no setup") }
                benchmark.startMeasurement()
                try await hop(producer: state.producer, consumer: state.consumer, topic: "bus\(size)", payload: payload,
                              count: benchmark.scaledIterations.count)
                benchmark.stopMeasurement()
            },
            setup: {
                let server = try await BusBench.shared.startServer(for: "js\(size)")
                let bus = try await JetStreamBus.connect(urls: [server.url])
                try await bus.createTopic(TopicSpec(name: "bus\(size)", partitions: 1))
                let producer = try await bus.makeProducer(options: ProducerOptions(maxInFlight: 1024))
                let consumer = try await bus.makeConsumer(topic: "bus\(size)", group: "bench", options: ConsumerOptions(memberID: "m1"))
                BusBench.shared.jetStream[size] = (bus, producer, consumer)
            },
            teardown: {
                if let state = BusBench.shared.jetStream[size] { await state.consumer.close(); await state.bus.close() }
                BusBench.shared.jetStream[size] = nil
                BusBench.shared.stopServer(for: "js\(size)")
            })

        Benchmark(
            "bare nats.c hop \(label) (baseline)",
            closure: { benchmark in
                guard let bare = BusBench.shared.bare[size] else { throw BenchFailure(description: "no setup") }
                let count = benchmark.scaledIterations.count
                benchmark.startMeasurement()
                try bare.publish(count: count, payload: payload)
                let received = bare.consume(count: count)
                benchmark.stopMeasurement()
                guard received == count else { throw BenchFailure(description: "received \(received) of \(count)") }
            },
            setup: {
                let server = try await BusBench.shared.startServer(for: "bare\(size)")
                BusBench.shared.bare[size] = try BareNATSHop(url: server.url, stream: "bare\(size)")
            },
            teardown: {
                BusBench.shared.bare[size] = nil
                BusBench.shared.stopServer(for: "bare\(size)")
            })
    }
}
