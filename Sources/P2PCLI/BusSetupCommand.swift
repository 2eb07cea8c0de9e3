import ArgumentParser
import Foundation
import P2PBus
import P2PBusJetStream

/// `p2p bus setup`: the kafka-setup equivalent. Creates every stream and KV bucket the project
/// needs, from the built-in layout or a JSON file overriding it. Idempotent.
struct BusSetupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "setup",
        abstract: "Create every stream and KV bucket of the bus layout (idempotent).",
        discussion: "Topics become streams with one subject per partition; tables become KV buckets. See docs/bus.md.")

    @OptionGroup var connection: BusConnectionOptions

    @Option(name: .long, help: "JSON file overriding the built-in layout (partitions, replicas, limits).")
    var config: String?

    func run() async throws {
        var layout = BusLayout.standard
        if let config {
            guard let handle = FileHandle(forReadingAtPath: config) else {
                throw ValidationError("cannot read setup file \(config)")
            }
            defer { try? handle.close() }
            let data = try handle.read(upToCount: BusLayout.maximumSetupFileBytes + 1) ?? Data()
            layout = try layout.applying(setupFile: [UInt8](data))
        }
        let bus = try await JetStreamBus.connect(
            urls: connection.urls, configuration: .init(connectAttempts: connection.connectAttempts))
        defer { Task { await bus.close() } }
        for topic in layout.topics {
            let created = try await bus.createTopic(topic)
            print("\(created ? "created" : "exists ") stream \(TopicSpec.engineName(for: topic.name)) "
                + "(topic \(topic.name), \(topic.partitions) partitions, \(topic.replicas) replica\(topic.replicas == 1 ? "" : "s"))")
        }
        for table in layout.tables {
            let created = try await bus.createTable(table)
            print("\(created ? "created" : "exists ") bucket \(TopicSpec.engineName(for: table.name)) "
                + "(table \(table.name), history \(table.history), \(table.replicas) replica\(table.replicas == 1 ? "" : "s"))")
        }
        await bus.close()
    }
}
