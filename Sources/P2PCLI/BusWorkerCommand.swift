import ArgumentParser
import P2PBus
import P2PBusJetStream

/// `p2p bus consume-worker`: a consumer-group member in a process of its own, for failure tests.
/// It acknowledges the first `--ack` records, takes `--hold` more without acknowledging them,
/// prints each offset, then waits to be killed.
struct BusWorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consume-worker", abstract: "Test helper: a consumer that holds records unacknowledged.",
        shouldDisplay: false)

    @OptionGroup var connection: BusConnectionOptions
    @Option var topic: String
    @Option var group: String
    @Option var member: String
    @Option var ack: Int = 0
    @Option var hold: Int = 10
    @Option var sessionTimeoutMilliseconds: Int = 1500
    @Option var ackWaitMilliseconds: Int = 1000
    @Option(help: "Give up after this many polls.") var maxPolls: Int = 200

    func run() async throws {
        let bus = try await JetStreamBus.connect(urls: connection.urls)
        let consumer = try await bus.makeConsumer(
            topic: topic, group: group,
            options: ConsumerOptions(
                memberID: member, sessionTimeout: .milliseconds(sessionTimeoutMilliseconds), heartbeatInterval: .milliseconds(200),
                ackWait: .milliseconds(ackWaitMilliseconds)))
        var acked = 0
        var held = 0
        for _ in 0..<maxPolls where acked + held < ack + hold {
            for record in try await consumer.poll(maxRecords: ack + hold - acked - held, timeout: .milliseconds(200)) {
                if acked < ack {
                    try await consumer.ack(record)
                    acked += 1
                    print("acked \(record.offset)")
                } else {
                    held += 1
                    print("held \(record.offset)")
                }
            }
        }
        print(acked + held == ack + hold ? "holding" : "incomplete")
        fflushStdout()
        // Wait to be killed (bounded: a forgotten worker exits by itself after a minute).
        try await Task.sleep(for: .seconds(60))
    }
}

#if canImport(Glibc)
import Glibc
func fflushStdout() { fflush(nil) }
#else
func fflushStdout() {}
#endif
