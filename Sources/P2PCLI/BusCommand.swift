import ArgumentParser

/// `p2p bus …`: create and inspect the JetStream streams and buckets of the message bus.
struct BusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bus",
        abstract: "Set up and inspect the message bus (NATS JetStream).",
        subcommands: [BusSetupCommand.self, BusDumpCommand.self, BusWorkerCommand.self])
}

/// Options every `p2p bus` subcommand shares.
struct BusConnectionOptions: ParsableArguments {
    @Option(name: .long, help: "NATS server URL(s), comma-separated (nats://host:port).")
    var url: String = "nats://127.0.0.1:4222"

    @Option(name: .long, help: "Connect attempts before giving up.")
    var connectAttempts: Int = 5

    var urls: [String] { url.split(separator: ",").map { String($0).trimmingSpaces() } }
}

extension String {
    func trimmingSpaces() -> String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
