#if canImport(Glibc)
import Glibc
#endif
import Foundation
import P2PTestSupport
import Testing

/// The failure-injection suite: the distributed path with a fault injected mid-stream at a fixed
/// offered rate, each case on fresh clusters, reporting lost and duplicate messages (those that reached
/// the application, the redeliveries its filter dropped, and the records `p2p.in` holds twice), the time to
/// recover (from the fault until delivery throughput is back above half its pre-fault rate) and the
/// p99 latency of the messages due meanwhile. A measurement that runs only when `P2P_FAILURE_BENCH`
/// names the messages per case (`scripts/bench-failures.sh` sets it); the smoke case keeps the
/// harness tested in `make test`.
@Suite("Failure-injection suite", .serialized)
struct FailureInjectionSuiteTests {
    static let environment = ProcessInfo.processInfo.environment
    static let messages = environment["P2P_FAILURE_BENCH"].flatMap { Int($0) }.map { min(max($0, 1), LoadRun.maximumMessages) }
    static let rate = environment["P2P_FAILURE_RATE"].flatMap { Int($0) }.map { min(max($0, 1), LoadRun.maximumRate) } ?? 200
    static let selected = environment["P2P_FAILURE_CASES"].map { Set($0.split(separator: ",").map(String.init)) }
    static let resultsDirectory = environment["P2P_BENCH_RESULTS"] ?? ".build/bench-results"
    /// How long a stalled gateway stays stopped.
    static let stall = Duration.seconds(3)

    /// A fault and the clusters it is injected into.
    struct Case: Sendable, CustomStringConvertible {
        let name: String
        let shape: BenchClusters.Shape
        let inject: @Sendable (BenchClusters) async throws -> String
        var description: String { name }
    }

    static let cases: [Case] = [
        Case(name: "receiving-link-manager-kill", shape: .init(linkManagers: 2, gateways: 2)) { clusters in
            let victim = try await sessionHolder(clusters.bob)
            clusters.bob.linkManagers[victim].kill()
            return "SIGKILL bob-lm-\(victim + 1) (holds a session)"
        },
        Case(name: "sending-link-manager-kill", shape: .init(linkManagers: 2, gateways: 2)) { clusters in
            clusters.alice.linkManagers[0].kill()
            return "SIGKILL alice-lm-1"
        },
        Case(name: "gateway-kill", shape: .init(linkManagers: 2, gateways: 2)) { clusters in
            clusters.bob.gateways[0].kill()
            return "SIGKILL bob-gw-1 (first endpoint)"
        },
        Case(name: "gateway-stall", shape: .init(linkManagers: 2, gateways: 2)) { clusters in
            try await pause(clusters.bob.gateways[0], for: stall)
            return "SIGSTOP bob-gw-1 (first endpoint) for \(stall)"
        },
        Case(name: "nats-restart", shape: .init(linkManagers: 2, gateways: 2)) { clusters in
            let clock = ContinuousClock()
            let start = clock.now
            clusters.bob.server.kill()
            try await clusters.bob.server.launch()
            return "SIGKILL Bob's nats-server, restarted on its disk store after \(LoadResult.milliseconds(clock.now - start)) ms"
        },
    ]

    static let columns = [
        "fault", "fault at s", "pre-fault msg/s", "delivered", "lost", "duplicates", "redeliveries dropped",
        "stored twice in p2p.in", "time to recover s", "p99 during fault ms",
        "p99 overall ms", "max ms",
    ]

    /// SIGSTOP, wait, SIGCONT: a stall with the connections left open.
    static func pause(_ worker: WorkerProcess, for duration: Duration) async throws {
        worker.signal(SIGSTOP)
        try await Task.sleep(for: duration)
        worker.signal(SIGCONT)
    }

    /// The index of a link manager of `side` whose `link.in` share is some session's partitions.
    static func sessionHolder(_ side: BenchClusters.Side) async throws -> Int {
        guard let bus = side.bus else { throw FixtureError("\(side.name): no bus") }
        let held = Set(try await DistributedClusterTests.sessionPartitions(bus).values)
        guard let holder = side.linkManagers.firstIndex(where: { DistributedClusterTests.lastPartitions($0.text).map(held.contains) == true })
        else { throw FixtureError("no link manager of \(side.name) holds a session") }
        return holder
    }

    /// Runs one case on fresh clusters: `count` messages at `rate`, the fault as message `count / 5` is due.
    static func run(_ failure: Case, count: Int, rate: Int) async throws -> LoadResult {
        let clusters = try await BenchClusters.start(failure.shape)
        do {
            let fault = LoadRun.Fault(at: count / 5) { try await failure.inject(clusters) }
            let result = try await LoadRun(count: count, rate: rate, label: failure.name, fault: fault, audit: true).run(clusters)
            await clusters.close()
            print(
                "\(failure.name): application dropped \(result.redeliveriesDropped) redeliveries and \(result.storedCopiesDropped) "
                    + "stored copies; p2p.in holds \(result.inbox?.records ?? -1) records of \(result.inbox?.distinct ?? -1) messages")
            return result
        } catch {
            await clusters.close()
            throw error
        }
    }

    static func row(_ failure: Case, _ result: LoadResult) -> [String] {
        let recovery = result.recovery.map { String(format: "%.1f", LoadResult.seconds($0)) } ?? "not in the run"
        return [
            result.faultNote ?? failure.name, result.faultAt.map { String(format: "%.1f", LoadResult.seconds($0)) } ?? "—",
            result.preFaultRate.map { String(format: "%.0f", $0) } ?? "—", "\(result.delivered)/\(result.count)", "\(result.lost)",
            "\(result.duplicates)", "\(result.redeliveriesDropped)", result.inbox.map { "\($0.storedCopies)" } ?? "—", recovery, LoadResult.milliseconds(result.p99DuringFault),
            LoadResult.milliseconds(result.latency(0.99)), LoadResult.milliseconds(result.latency(1.0)),
        ]
    }

    static func heading(count: Int, rate: Int) -> String {
        "Failure injection: \(count) × 1 KB per case at \(rate)/s, fault at message \(count / 5); load average before \(ProcessStat.loadAverage())"
    }

    @Test("smoke: a gateway stalled for half a second under 100 messages; every message arrives once, one table row")
    func smoke() async throws {
        let failure = Case(name: "gateway-stall", shape: .init(linkManagers: 1, gateways: 1)) { clusters in
            try await Self.pause(clusters.bob.gateways[0], for: .milliseconds(500))
            return "SIGSTOP bob-gw-1 for 0.5 s"
        }
        let result = try await Self.run(failure, count: 100, rate: 100)
        let markdown = ResultsTable(columns: Self.columns, rows: [Self.row(failure, result)]).markdown

        #expect(result.delivered == 100 && result.duplicates == 0)
        #expect(result.inbox?.records == 100 && result.inbox?.storedCopies == 0)
        #expect(result.faultAt != nil && result.faultNote == "SIGSTOP bob-gw-1 for 0.5 s")
        #expect(result.preFaultRate != nil && result.p99DuringFault != nil)
        #expect(markdown.contains("| SIGSTOP bob-gw-1 for 0.5 s | "), "\(markdown)")
    }

    @Test(
        "lost, duplicates, time to recover and p99 under each injected fault",
        .enabled(if: messages != nil, "set P2P_FAILURE_BENCH=<messages per case> (scripts/bench-failures.sh)"))
    func faults() async throws {
        let count = try #require(Self.messages)
        let heading = Self.heading(count: count, rate: Self.rate)
        var table = ResultsTable(columns: Self.columns)
        for failure in Self.cases where Self.selected?.contains(failure.name) ?? true {
            do {
                let result = try await Self.run(failure, count: count, rate: Self.rate)
                table.rows.append(Self.row(failure, result))
            } catch {
                Issue.record(error, "\(failure.name)")
                table.rows.append([failure.name, "failed: \(String(describing: error).prefix(200))"] + Array(repeating: "—", count: Self.columns.count - 2))
            }
            print("failure \(failure.name): " + table.rows.last!.joined(separator: " | "))
        }
        let path = try table.write("failures", heading: heading, to: Self.resultsDirectory)
        print("\(heading); load average after \(ProcessStat.loadAverage())\n\n\(table.markdown)\nwritten to \(path)")
        #expect(table.rows.count == Self.cases.filter { Self.selected?.contains($0.name) ?? true }.count)
    }
}
