import Foundation
import P2PBus
import P2PCluster
import P2PIdentity
import P2PLinkManager
import P2PLinkManagerService
import P2PTestSupport

/// One measured stream of authenticated messages from Alice's application to Bob's through
/// ``BenchClusters``: sent at a fixed rate (or as fast as `p2p.out` takes them), each carrying its
/// intended send time, received by Bob's application while a sampler reads every process's CPU time.
/// A fault, when given, is injected (in a task of its own) as message `fault.at` is due.
struct LoadRun: Sendable {
    /// Something done to the clusters mid-stream; returns a short note for the report.
    struct Fault: Sendable {
        let at: Int
        let inject: @Sendable () async throws -> String
    }

    static let maximumMessages = 100_000
    static let maximumRate = 100_000
    static let cpuSamplePeriod = Duration.milliseconds(250)
    static let pollTimeout = Duration.milliseconds(50)

    var count: Int
    /// Messages per second; nil: unpaced.
    var rate: Int?
    var payloadBytes = 1_024
    /// Prefix of the message ids, unique per run on the same clusters.
    var label: String
    var fault: Fault?
    /// How long the receiver waits for the last messages after everything was sent.
    var drainLimit = Duration.seconds(60)
    /// Whether to read Bob's `p2p.in` back afterwards and count its records per message (``InboxAudit``).
    var audit = false

    func run(_ clusters: BenchClusters) async throws -> LoadResult {
        guard (1...Self.maximumMessages).contains(count), rate.map({ (1...Self.maximumRate).contains($0) }) ?? true,
            (8...65_536).contains(payloadBytes)
        else { throw FixtureError("load run: 1…\(Self.maximumMessages) messages, 1…\(Self.maximumRate) per second, 8…64 KiB") }
        guard let sender = clusters.alice.application, let receiver = clusters.bob.application else {
            throw FixtureError("load run: applications not connected")
        }
        try await warmUp(clusters, sender: sender, receiver: receiver)

        let clock = ContinuousClock()
        let start = clock.now
        let dropped = receiver.counters
        let sampler = CPUSampler(clusters)
        let sampling = Task { await sampler.run(until: { Task.isCancelled }) }
        let receiving = Task { try await receive(receiver, start: start, clock: clock) }
        // On every path out: the sampler and the receiver stop, and an injected fault has finished.
        var faultTask: Task<String, any Error>?
        func stop() async {
            sampling.cancel()
            receiving.cancel()
            await sampling.value
            _ = try? await faultTask?.value
        }
        var faultAt: Duration?
        let sent: Duration
        let note: String?
        var received: LoadResult
        do {
            sent = try await send(clusters, sender: sender, start: start, clock: clock) { index in
                guard let fault, index == fault.at, faultTask == nil else { return }
                faultAt = clock.now - start
                faultTask = Task { try await fault.inject() }
            }
            note = try await faultTask?.value
            received = try await receiving.value
        } catch {
            await stop()
            throw error
        }
        await stop()
        received.sendEnd = sent
        received.faultAt = faultAt
        received.faultNote = note
        received.cpu = sampler.used
        let counters = receiver.counters
        received.redeliveriesDropped = counters.redeliveries - dropped.redeliveries
        received.storedCopiesDropped = counters.storedCopies - dropped.storedCopies
        if audit, let bus = clusters.bob.bus {
            received.inbox = try await InboxAudit.read(bus, topic: receiver.topics.p2pIn, label: label, expected: count)
        }
        return received
    }

    /// One message through before the clock starts, so the sessions exist.
    private func warmUp(_ clusters: BenchClusters, sender: ClusterApplication, receiver: ClusterApplication) async throws {
        let id = Self.warmUpID(label)
        _ = try await sender.send(try message(id, sentAt: .zero, clusters), key: Array(id.utf8)).accepted()
        let deadline = ContinuousClock.now + BenchClusters.waitLimit
        while ContinuousClock.now < deadline {
            if try await receiver.receive(timeout: Self.pollTimeout).contains(where: { $0.messageID.value == id }) { return }
        }
        throw FixtureError("\(label): the warm-up message did not arrive: \(clusters.outputs)")
    }

    private func message(_ id: String, sentAt offset: Duration, _ clusters: BenchClusters) throws -> AppMessage {
        let payload = LatencyProbe.payload(size: payloadBytes, intended: offset)
        return .authenticated(
            AuthenticatedMessage(
                header: AuthenticatedMessageHeader(
                    destination: clusters.to, source: clusters.from, ttl: LinkManagerService.wallClock() + 600_000,
                    messageID: try MessageID(id), subsystem: "bench"),
                payload: payload))
    }

    /// Sends every message (paced by intended send times when `rate` is set), then awaits every
    /// acceptance by `p2p.out`; returns when sending ended, from `start`.
    private func send(
        _ clusters: BenchClusters, sender: ClusterApplication, start: ContinuousClock.Instant, clock: ContinuousClock,
        beforeEach: (Int) -> Void
    ) async throws -> Duration {
        var receipts: [PublishReceipt] = []
        receipts.reserveCapacity(count)
        for index in 0..<count {
            var intended = clock.now
            if let rate {
                intended = start + .nanoseconds(1_000_000_000 / Int64(rate)) * index
                if intended > clock.now { try await clock.sleep(until: intended) }
            }
            beforeEach(index)
            let id = "\(label)-\(index)"
            receipts.append(try await sender.send(try message(id, sentAt: intended - start, clusters), key: Array(id.utf8)))
        }
        let sent = clock.now - start
        for receipt in receipts { _ = try await receipt.accepted() }
        return sent
    }

    /// Receives until every message arrived or `drainLimit` passed after the expected end. Poll errors
    /// (Bob's server restarting) are counted and retried within the same bound.
    private func receive(_ receiver: ClusterApplication, start: ContinuousClock.Instant, clock: ContinuousClock) async throws -> LoadResult {
        var result = LoadResult(label: label, count: count, rate: rate)
        var seen = Set<String>()
        let expectedEnd = rate.map { Duration.seconds(Double(count) / Double($0)) } ?? .seconds(Double(count) / 500)
        let deadline = start + expectedEnd + drainLimit
        var quietUntil: ContinuousClock.Instant?
        while clock.now < deadline, !Task.isCancelled {
            let batch: [AppMessage]
            do {
                batch = try await receiver.receive(timeout: Self.pollTimeout)
            } catch {
                result.receiveErrors += 1
                try await Task.sleep(for: .milliseconds(100))
                continue
            }
            for case .authenticated(let message) in batch where message.header.messageID.value.hasPrefix("\(label)-") {
                let arrival = clock.now - start
                guard seen.insert(message.header.messageID.value).inserted else {
                    result.duplicates += 1
                    continue
                }
                let intended = LatencyProbe.intended(message.payload)
                result.deliveries.append(LoadResult.Delivery(intended: intended, arrival: arrival))
            }
            // Once all arrived, listen half a second more for duplicates.
            if seen.count == count, quietUntil == nil { quietUntil = clock.now + .milliseconds(500) }
            if let quietUntil, clock.now >= quietUntil { break }
        }
        return result
    }

    static func warmUpID(_ label: String) -> String { "\(label)-warm-up" }
}

/// Reads every process's CPU time periodically and keeps the first and last reading of each, so a
/// process killed mid-run still counts the time it used until its last sample (at most
/// `LoadRun.cpuSamplePeriod` before the kill), and a process started mid-run counts from its first.
final class CPUSampler: @unchecked Sendable {
    private let clusters: BenchClusters
    private let lock = NSLock()
    private var first: [String: Double] = [:]
    private var last: [String: Double] = [:]

    init(_ clusters: BenchClusters) {
        self.clusters = clusters
        sample()
    }

    func sample() {
        let now = clusters.cpuSeconds()
        lock.withLock {
            for (key, seconds) in now {
                if first[key] == nil { first[key] = seconds }
                last[key] = max(last[key] ?? 0, seconds)
            }
        }
    }

    func run(until stopped: () -> Bool) async {
        while !stopped() {
            try? await Task.sleep(for: LoadRun.cpuSamplePeriod)
            sample()
        }
        sample()
    }

    /// CPU seconds each process used between its first and last sample, by label (the processes of
    /// a restarted server added up).
    var used: [String: Double] {
        lock.withLock {
            last.reduce(into: [:]) { used, entry in
                let label = String(entry.key.prefix { $0 != "@" })
                used[label, default: 0] += entry.value - (first[entry.key] ?? entry.value)
            }
        }
    }
}
