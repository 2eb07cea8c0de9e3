import Foundation
import P2PBus
import P2PBusJetStream
import P2PCluster
import P2PMembership
import P2PSimulator
import P2PTestSupport
import Synchronization
import Testing

/// SENDER (`p2p simulator send`) → a real link manager (`p2p-link-manager`, routing locally between
/// two identities it hosts) on a real nats-server → RECEIVER → DB_SINK → a real PostgreSQL.
@Suite("App simulator end to end", .serialized)
struct SimulatorEndToEndTests {
    /// Lines the receiver and sinks logged.
    final class Log: Sendable {
        private let lines = Mutex<[String]>([])
        func append(_ line: String) { lines.withLock { $0.append(line) } }
        var all: [String] { lines.withLock { $0 } }
    }

    @Test func everyMessageBecomesExactlyOneRow() async throws {
        let postgres = try await PostgresServer.start()
        defer { postgres.stop() }
        let nats = try await NATSServer.start()
        defer { nats.stop() }

        let network = try DemoNetwork.generate(clusters: [.init(organisations: ["Alice Corp", "Bob Corp"], port: try FreePort.find())])
        let keyPath = nats.directory.appendingPathComponent("cluster.key").path
        let networkPath = nats.directory.appendingPathComponent("network.json").path
        try network.clusterKeys[0].write(toNewFile: keyPath)
        try Data(network.networkFiles[0]).write(to: URL(fileURLWithPath: networkPath))
        let setup = try await P2PBinary.run(["bus", "setup", "--url", nats.url])
        try #require(setup.status == 0, "\(setup.stderr)")
        let apply = try await P2PBinary.run(["setup", "apply", "--url", nats.url, "--cluster-key", keyPath, networkPath])
        try #require(apply.status == 0, "\(apply.stderr)")
        let linkManager = try LinkManagerProcess(
            ["--url", nats.url, "--cluster-key", keyPath, "--connect-attempts", "2", "--instance-id", "sim-lm"],
            log: nats.directory.appendingPathComponent("link-manager.log"))
        defer { linkManager.stop() }
        try await linkManager.waitUntilRunning()

        // SENDER through the CLI: 2 clients × 20 messages, 400 messages/s each, batches of 5.
        let (alice, bob) = (network.identities[0][0], network.identities[0][1])
        let send = try await P2PBinary.run([
            "simulator", "send", "--url", nats.url, "--source", alice.description, "--destination", bob.description, "--count", "20",
            "--clients", "2", "--rate", "400", "--batch-size", "5", "--payload-size", "300", "--ttl-ms", "60000", "--instance-id", "t1",
            "--record-sent", "--db-port", "\(postgres.port)", "--db-user", postgres.user, "--db-password", postgres.password,
            "--db-name", postgres.database,
        ])
        try #require(send.status == 0, "\(send.stderr)")
        #expect(send.stdout.contains("sender t1-1: 20 sent"))
        #expect(send.stdout.contains("sender t1: 40 messages"))

        let bus = try await JetStreamBus.connect(urls: [nats.url])
        let producer = try await bus.makeProducer(options: ProducerOptions())
        try await producer.publish(BusRecord(topic: "p2p.in", key: "junk", value: [0xFF, 0x01, 0x02]))

        // RECEIVER: 40 simulator messages and the junk record, which is logged and skipped.
        let log = Log()
        let received = try await SimulatorReceiver.run(
            bus: bus, options: .init(memberID: "r1"), limit: RunLimit(records: 41, duration: .seconds(30)), log: log.append)
        #expect(received == SimulatorReceiver.Report(records: 41, events: 40, malformed: 1))
        #expect(log.all.count == 1)
        #expect(log.all.first?.contains("malformed payload (1500)") == true)

        // Redelivery: ten events published again (without record id, so the bus keeps the copies),
        // and one value that is not an event.
        let stored = try await bus.records(of: SimulatorTopics.receivedMessages, from: 1, limit: 100)
        #expect(stored.count == 40)
        for record in stored.prefix(10) {
            try await producer.publish(BusRecord(topic: SimulatorTopics.receivedMessages, key: record.key, value: record.value))
        }
        try await producer.publish(BusRecord(topic: SimulatorTopics.receivedMessages, key: "junk", value: Array("junk".utf8)))

        // DB_SINK: 40 rows, the 10 copies hit the primary key, the junk is counted.
        let database = try await SimulatorDatabase.connect(
            DatabaseOptions(port: postgres.port, user: postgres.user, password: postgres.password, name: postgres.database))
        let sunk = try await SimulatorSink.run(
            bus: bus, database: database, options: .init(memberID: "s1", batchSize: 7), limit: RunLimit(records: 51, duration: .seconds(30)),
            log: log.append)
        #expect(sunk == SimulatorSink.Report(records: 51, written: 40, duplicates: 10, malformed: 1))

        #expect(log.all.filter { $0.contains("malformed event (1501)") }.count == 1)

        let summary = try await database.summary(senderPrefix: "t1-")
        #expect(summary.count == 40)
        #expect(summary.sent == 40)
        #expect(summary.undelivered == 0)
        #expect(try await database.summary(senderPrefix: "t1-2").count == 20)
        #expect((summary.minimum ?? -1) > 0)
        #expect((summary.p50 ?? 0) <= (summary.p99 ?? 0))
        await database.close()
        await producer.close()
        await bus.close()

        // A second sink (the CLI, in another group) reads every event again: nothing new is written.
        let databaseArguments = [
            "--db-port", "\(postgres.port)", "--db-user", postgres.user, "--db-password", postgres.password, "--db-name", postgres.database,
        ]
        let resunk = try await P2PBinary.run(
            ["simulator", "sink", "--url", nats.url, "--group", "app-simulator-sink-again", "--instance-id", "s2", "--expect", "51", "--seconds", "30"]
                + databaseArguments)
        #expect(resunk.status == 0, "\(resunk.stderr)")
        #expect(resunk.stdout.contains("sink s2: 51 records, 0 rows written, 50 duplicates, 1 malformed"))
        #expect(resunk.stdout.contains("table received_messages: 40 messages, latency ms: "))
        #expect(resunk.stdout.contains("malformed event (1501)"))

        let printed = try await P2PBinary.run(["simulator", "summary", "--instance-id", "t1"] + databaseArguments)
        #expect(printed.status == 0, "\(printed.stderr)")
        #expect(printed.stdout.contains("40 messages, latency ms: min "))
        #expect(printed.stdout.contains("; 40 sent, 0 undelivered"))
    }

    @Test func cliRefusesBadOptions() async throws {
        let noCount = try await P2PBinary.run([
            "simulator", "send", "--url", "nats://127.0.0.1:1", "--source", "O=Alice Corp, L=London, C=GB@g", "--destination", "O=Bob Corp, L=London, C=GB@g",
        ])
        #expect(noCount.status != 0)
        #expect(noCount.stderr.contains("invalid option (1503)"))
        let closed = try NATSServer.freePort()
        let unreachable = try await P2PBinary.run(["simulator", "summary", "--db-port", "\(closed)"])
        #expect(unreachable.status != 0)
        #expect(unreachable.stderr.contains("database failed (1504)"))
    }
}
