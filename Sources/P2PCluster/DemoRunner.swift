import Foundation
import P2PBus
import P2PIdentity
import P2PLinkManager
import P2PLinkManagerService
import P2PMembership

/// The embedded demo (`p2p demo`, `make demo`): two embedded clusters in this process on free
/// loopback ports, a freshly generated CA, certificates and keys in a temporary directory, Alice
/// sending messages to Bob at a fixed rate, and a summary of what arrived and how fast
/// (`docs/demo.md`).
public enum DemoRunner {
    public struct Options: Sendable {
        public static let maximumMessages = 1_000_000
        public static let maximumPayloadBytes = 900_000

        public var messages: Int
        public var payloadBytes: Int
        /// Intended sends per second; message `i` is due at `start + i / rate`.
        public var rate: Int
        /// How long to wait for every delivery and status before declaring the rest lost.
        public var timeout: Duration

        public init(messages: Int = 1_000, payloadBytes: Int = 1_024, rate: Int = 2_000, timeout: Duration = .seconds(30)) {
            self.messages = messages
            self.payloadBytes = payloadBytes
            self.rate = rate
            self.timeout = timeout
        }

        func validate() throws(ClusterError) {
            guard (1...Self.maximumMessages).contains(messages), (8...Self.maximumPayloadBytes).contains(payloadBytes),
                (1...1_000_000).contains(rate)
            else {
                throw ClusterError(
                    .invalidState,
                    "messages 1…\(Self.maximumMessages), payload 8…\(Self.maximumPayloadBytes) bytes, rate 1…1000000 per second")
            }
        }
    }

    /// What the demo measured.
    public struct Report: Sendable {
        public var sent: Int
        /// Distinct messages that reached Bob's `p2p.in`.
        public var delivered: Int
        /// Copies of a message that reached `p2p.in` more than once (must be 0).
        public var duplicates: Int
        public var statusesDelivered: Int
        public var statusesExpired: Int
        /// From the first message's intended send time to the last delivery.
        public var elapsed: Duration
        /// Per delivered message: arrival at Bob's application − intended send time; sorted.
        public var latencies: [Duration]
        public var payloadBytes: Int
        public var handshakes: Int
        public var replays: Int
        public var duplicatesSuppressed: Int

        public var lost: Int { sent - delivered }
        public var succeeded: Bool { delivered == sent && duplicates == 0 && statusesDelivered == sent }

        public func percentile(_ p: Double) -> Duration {
            guard !latencies.isEmpty else { return .zero }
            let rank = Int((p / 100 * Double(latencies.count)).rounded(.up)) - 1
            return latencies[min(latencies.count - 1, max(0, rank))]
        }

        public var throughput: Double {
            let seconds = Self.seconds(elapsed)
            return seconds > 0 ? Double(delivered) / seconds : 0
        }

        static func seconds(_ duration: Duration) -> Double {
            Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        }

        static func milliseconds(_ duration: Duration) -> String {
            String(format: "%.2f ms", seconds(duration) * 1000)
        }

        public var summary: String {
            let megabytes = throughput * Double(payloadBytes) / 1_000_000
            return """
                messages sent:        \(sent) × \(payloadBytes) bytes, Alice → Bob
                delivered (p2p.in):   \(delivered)
                lost:                 \(lost)
                duplicates:           \(duplicates)
                delivery statuses:    \(statusesDelivered) delivered, \(statusesExpired) expired
                throughput:           \(String(format: "%.0f", throughput)) messages/s (\(String(format: "%.2f", megabytes)) MB/s of payload) over \(Self.milliseconds(elapsed))
                end-to-end latency from the intended send time:
                  p50 \(Self.milliseconds(percentile(50)))   p90 \(Self.milliseconds(percentile(90)))   p99 \(Self.milliseconds(percentile(99)))   max \(Self.milliseconds(latencies.last ?? .zero))
                link managers:        \(handshakes) handshakes, \(replays) replays, \(duplicatesSuppressed) replayed copies suppressed
                result:               \(succeeded ? "OK" : "FAILED")
                """
        }
    }

    /// Runs the demo; `log` gets progress lines.
    public static func run(options: Options = Options(), log: @Sendable (String) -> Void = { print($0) }) async throws -> Report {
        try options.validate()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("p2p-demo-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(at: directory) }

        let plans = [
            DemoNetwork.ClusterPlan(organisations: ["Alice Corp"], port: try FreePort.find()),
            DemoNetwork.ClusterPlan(organisations: ["Bob Corp"], port: try FreePort.find()),
        ]
        var linkManager = LinkManagerConfiguration()
        linkManager.replayPeriodMillis = 1_000
        let network = try DemoNetwork.generate(clusters: plans, linkManager: linkManager)
        // The generated material goes to files first, and the clusters start from those files.
        try Data(network.rootCertificatePEM.utf8).write(to: directory.appendingPathComponent("ca.pem"))
        var clusters: [EmbeddedCluster] = []
        for (index, name) in ["alice", "bob"].enumerated() {
            let networkPath = directory.appendingPathComponent("\(name)-network.json")
            let keyPath = directory.appendingPathComponent("\(name)-cluster.key").path
            try Data(network.networkFiles[index]).write(to: networkPath)
            try network.clusterKeys[index].write(toNewFile: keyPath)
            let file = Array(try Data(contentsOf: networkPath))
            clusters.append(try await EmbeddedCluster.start(networkFile: file, clusterKey: try ClusterKey(contentsOf: keyPath)))
            log("started \(name)'s cluster: gateway on https://127.0.0.1:\(plans[index].port)")
        }
        log("network material (CA, certificates, keys, network files) in \(directory.path)")
        do {
            let report = try await exchange(
                options: options, alice: clusters[0], bob: clusters[1], from: network.identities[0][0],
                to: network.identities[1][0], log: log)
            for cluster in clusters { await cluster.stop() }
            log("clusters stopped, \(directory.path) removed")
            return report
        } catch {
            for cluster in clusters { await cluster.stop() }
            throw error
        }
    }

    private static func exchange(
        options: Options, alice: EmbeddedCluster, bob: EmbeddedCluster, from source: HoldingIdentity,
        to destination: HoldingIdentity, log: @Sendable (String) -> Void
    ) async throws -> Report {
        let sender = try await ClusterApplication(bus: alice.bus, name: "alice")
        let receiver = try await ClusterApplication(bus: bob.bus, name: "bob")
        do {
            let report = try await measure(
                options: options, alice: alice, bob: bob, sender: sender, receiver: receiver, from: source, to: destination,
                log: log)
            await sender.close()
            await receiver.close()
            return report
        } catch {
            await sender.close()
            await receiver.close()
            throw error
        }
    }

    private static func measure(
        options: Options, alice: EmbeddedCluster, bob: EmbeddedCluster, sender: ClusterApplication,
        receiver: ClusterApplication, from source: HoldingIdentity, to destination: HoldingIdentity,
        log: @Sendable (String) -> Void
    ) async throws -> Report {
        let clock = ContinuousClock()
        let origin = clock.now

        func message(_ id: String, intended: Duration) throws -> AppMessage {
            let payload = LatencyProbe.payload(size: options.payloadBytes, intended: intended)
            return .authenticated(
                AuthenticatedMessage(
                    header: AuthenticatedMessageHeader(
                        destination: destination, source: source, ttl: LinkManagerService.wallClock() + 120_000,
                        messageID: try MessageID(id), subsystem: "demo"),
                    payload: payload))
        }

        // One warm-up message establishes the sessions, so the figures show the steady state.
        _ = try await sender.send(try message("warm-up", intended: clock.now - origin), key: Array("warm-up".utf8)).accepted()
        let warmDeadline = clock.now + .seconds(10)
        var warmedUp = false
        while !warmedUp, clock.now < warmDeadline {
            warmedUp = try await receiver.receive(timeout: .milliseconds(100)).contains { $0.messageID.value == "warm-up" }
        }
        guard warmedUp else { throw ClusterError(.demoFailed, "the warm-up message did not arrive within 10 s") }
        _ = try await sender.statuses(timeout: .milliseconds(50))
        log("sessions established; sending \(options.messages) messages of \(options.payloadBytes) bytes at \(options.rate)/s")

        // Receiver: arrival − intended send time, per distinct message id.
        let (messages, timeout) = (options.messages, options.timeout)
        let receiving = Task { try await LatencyProbe.collect(from: receiver, count: messages, origin: origin, timeout: timeout) }

        let interval = Duration.nanoseconds(1_000_000_000 / Int64(options.rate))
        let start = clock.now
        var receipts: [PublishReceipt] = []
        receipts.reserveCapacity(options.messages)
        for index in 0..<options.messages {
            let intended = start + interval * index
            if intended > clock.now { try await clock.sleep(until: intended) }
            receipts.append(try await sender.send(try message("demo-\(index)", intended: intended - origin), key: Array("demo-\(index)".utf8)))
        }
        for receipt in receipts { _ = try await receipt.accepted() }
        log("all \(options.messages) messages accepted by p2p.out in \(Report.milliseconds(clock.now - start))")

        let received = try await receiving.value
        var delivered = 0
        var expired = 0
        let statusDeadline = clock.now + .seconds(10)
        while delivered + expired < options.messages, clock.now < statusDeadline {
            for status in try await sender.statuses(timeout: .milliseconds(50)) where status.messageID.value.hasPrefix("demo-") {
                if status.status.isDelivered { delivered += 1 } else { expired += 1 }
            }
        }
        let aliceCounters = await alice.linkManager.counters
        let bobCounters = await bob.linkManager.counters
        return Report(
            sent: options.messages, delivered: received.latencies.count, duplicates: received.duplicates,
            statusesDelivered: delivered, statusesExpired: expired, elapsed: received.last - start,
            latencies: received.latencies, payloadBytes: options.payloadBytes,
            handshakes: aliceCounters.handshakesCompleted + bobCounters.handshakesCompleted,
            replays: aliceCounters.replays, duplicatesSuppressed: bobCounters.duplicatesDropped)
    }
}
