import Foundation
import P2PTestSupport
import Testing

/// The horizontal-scaling suite: the distributed path (link managers and gateways as processes,
/// JetStream per cluster) for a matrix of instance counts, each measured at a fixed offered rate and
/// unpaced. A measurement that runs only when `P2P_SCALING_BENCH` names the messages per run
/// (`scripts/bench-scaling.sh` sets it); the smoke case keeps the harness tested in `make test`.
@Suite("Horizontal-scaling suite", .serialized)
struct ScalingSuiteTests {
    static let environment = ProcessInfo.processInfo.environment
    static let messages = environment["P2P_SCALING_BENCH"].flatMap { Int($0) }.map { min(max($0, 1), LoadRun.maximumMessages) }
    static let rate = environment["P2P_SCALING_RATE"].flatMap { Int($0) }.map { min(max($0, 1), LoadRun.maximumRate) } ?? 500
    /// `LMxGW` per cluster, comma-separated.
    static let shapes = parseShapes(environment["P2P_SCALING_SHAPES"] ?? "1x1,2x1,3x1,1x2,2x2,3x2")
    static let resultsDirectory = environment["P2P_BENCH_RESULTS"] ?? ".build/bench-results"

    static let columns = [
        "LM × GW per cluster", "offered", "delivered", "throughput msg/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "lost",
        "duplicates", "CPU s Alice LMs", "CPU s Alice GWs", "CPU s Bob LMs", "CPU s Bob GWs", "CPU s nats (A / B)",
    ]

    static func parseShapes(_ text: String) -> [BenchClusters.Shape] {
        text.split(separator: ",").compactMap { item in
            let parts = item.split(separator: "x").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard parts.count == 2, parts.allSatisfy({ (1...BenchClusters.maximumInstances).contains($0) }) else { return nil }
            return BenchClusters.Shape(linkManagers: parts[0], gateways: parts[1])
        }
    }

    /// One row per run: `count` messages at `rate`, then `count` unpaced, on the same clusters.
    static func measure(_ clusters: BenchClusters, count: Int, rate: Int) async throws -> [LoadResult] {
        var results: [LoadResult] = []
        for (index, pace) in [rate, nil].enumerated() {
            results.append(try await LoadRun(count: count, rate: pace, label: "run\(index)").run(clusters))
        }
        return results
    }

    static func row(_ shape: BenchClusters.Shape, _ result: LoadResult) -> [String] {
        [
            "\(shape.linkManagers) × \(shape.gateways)", result.rate.map { "\($0)/s" } ?? "unpaced", "\(result.delivered)/\(result.count)",
            String(format: "%.0f", result.throughput), LoadResult.milliseconds(result.latency(0.5)),
            LoadResult.milliseconds(result.latency(0.9)), LoadResult.milliseconds(result.latency(0.99)),
            LoadResult.milliseconds(result.latency(1.0)), "\(result.lost)", "\(result.duplicates)", result.cpu("alice-lm-"),
            result.cpu("alice-gw-"), result.cpu("bob-lm-"), result.cpu("bob-gw-"),
            result.cpu("alice-nats") + " / " + result.cpu("bob-nats"),
        ]
    }

    static func heading(count: Int, rate: Int) -> String {
        "Horizontal scaling: \(count) × 1 KB per run, offered \(rate)/s and unpaced; load average before \(ProcessStat.loadAverage())"
    }

    @Test("smoke: 1 link manager and 2 gateways per cluster, 20 messages paced and unpaced, one table row each")
    func smoke() async throws {
        let shape = BenchClusters.Shape(linkManagers: 1, gateways: 2)
        let clusters = try await BenchClusters.start(shape)
        let results: [LoadResult]
        do {
            results = try await Self.measure(clusters, count: 20, rate: 200)
        } catch {
            await clusters.close()
            throw error
        }
        await clusters.close()
        let table = ResultsTable(columns: Self.columns, rows: results.map { Self.row(shape, $0) })
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("p2p-scaling-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = try table.write("scaling", heading: Self.heading(count: 20, rate: 200), to: directory)
        let written = try String(contentsOfFile: path, encoding: .utf8)

        for result in results {
            #expect(result.delivered == 20 && result.duplicates == 0, "\(result.label)")
            #expect(result.latency(0.5)! <= result.latency(1.0)!)
            // Two link managers, four gateways and two servers, each with its own figure.
            #expect(result.cpu.count == 8 && (result.cpu["alice-lm-1"] ?? 0) > 0, "\(result.cpu)")
        }
        #expect(clusters.bob.gateways.count == 2 && clusters.alice.gateways.count == 2)
        #expect(written.contains("| 1 × 2 | 200/s | 20/20 |") && written.contains("| 1 × 2 | unpaced | 20/20 |"), "\(written)")
        #expect(table.csv.split(separator: "\n").count == 3)
    }

    @Test(
        "throughput, latency and CPU per worker across link managers 1/2/3 × gateways 1/2 per cluster",
        .enabled(if: messages != nil, "set P2P_SCALING_BENCH=<messages per run> (scripts/bench-scaling.sh)"))
    func matrix() async throws {
        let count = try #require(Self.messages)
        let heading = Self.heading(count: count, rate: Self.rate)
        var table = ResultsTable(columns: Self.columns)
        var lost = 0
        for shape in Self.shapes {
            let clusters = try await BenchClusters.start(shape)
            do {
                for result in try await Self.measure(clusters, count: count, rate: Self.rate) {
                    table.rows.append(Self.row(shape, result))
                    lost += result.lost + result.duplicates
                    print("scaling \(shape): " + table.rows.last!.joined(separator: " | "))
                }
            } catch {
                await clusters.close()
                throw error
            }
            await clusters.close()
        }
        let path = try table.write("scaling", heading: heading, to: Self.resultsDirectory)
        print("\(heading); load average after \(ProcessStat.loadAverage())\n\n\(table.markdown)\nwritten to \(path)")
        #expect(lost == 0, "lost or duplicated messages: see \(path)")
    }
}
