import ArgumentParser
import P2PCluster

/// `p2p demo`: two embedded clusters in this process exchange messages over HTTPS; prints what
/// arrived and how fast, and exits non-zero if anything was lost or duplicated (`docs/demo.md`).
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run Alice's and Bob's embedded clusters on loopback and send messages from Alice to Bob.",
        discussion: """
            Generates a CA, TLS certificates, session keys and cluster keys in a temporary directory, starts two \
            embedded clusters (in-process bus, link manager, gateway) on free 127.0.0.1 ports, sends the messages at \
            a fixed rate, and reports deliveries, duplicates, throughput and latency percentiles measured from each \
            message's intended send time. See docs/demo.md.
            """)

    @Option(name: .long, help: "Messages Alice sends to Bob.")
    var messages: Int = 1_000

    @Option(name: .long, help: "Payload bytes per message (at least 8: the intended send time).")
    var payloadBytes: Int = 1_024

    @Option(name: .long, help: "Intended sends per second.")
    var rate: Int = 2_000

    @Option(name: .long, help: "Seconds to wait for every delivery before counting the rest as lost.")
    var timeoutSeconds: Int = 30

    func run() async throws {
        let options = DemoRunner.Options(
            messages: messages, payloadBytes: payloadBytes, rate: rate, timeout: .seconds(max(1, min(timeoutSeconds, 600))))
        let report = try await DemoRunner.run(options: options) { print($0) }
        print("")
        print(report.summary)
        guard report.succeeded else { throw ExitCode(1) }
    }
}
