import ArgumentParser
import Foundation
import P2PBus
import P2PBusJetStream
import P2PIdentity
import P2PSimulator

/// `p2p simulator …`: the app simulator's SENDER, RECEIVER and DB_SINK modes (`docs/simulator.md`).
struct SimulatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulator",
        abstract: "Generate application load and record end-to-end latency in PostgreSQL.",
        subcommands: [SimulatorSendCommand.self, SimulatorReceiveCommand.self, SimulatorSinkCommand.self, SimulatorSummaryCommand.self])
}

/// `--db-*`: where the sink's PostgreSQL is.
struct SimulatorDatabaseOptions: ParsableArguments {
    @Option(name: .long, help: "PostgreSQL host.")
    var dbHost = "127.0.0.1"

    @Option(name: .long, help: "PostgreSQL port.")
    var dbPort = 5432

    @Option(name: .long, help: "PostgreSQL user.")
    var dbUser = "simulator"

    @Option(name: .long, help: "PostgreSQL password (or the environment variable P2P_SIMULATOR_DB_PASSWORD).")
    var dbPassword: String?

    @Option(name: .long, help: "PostgreSQL database.")
    var dbName = "simulator"

    /// Connects, runs `body`, and closes the connection whatever `body` does.
    func withDatabase<T>(_ body: (SimulatorDatabase) async throws -> T) async throws -> T {
        let db = try await SimulatorDatabase.connect(options)
        do {
            let result = try await body(db)
            await db.close()
            return result
        } catch {
            await db.close()
            throw error
        }
    }

    var options: DatabaseOptions {
        DatabaseOptions(
            host: dbHost, port: dbPort, user: dbUser,
            password: dbPassword ?? ProcessInfo.processInfo.environment["P2P_SIMULATOR_DB_PASSWORD"], name: dbName)
    }
}

/// `--seconds` / `--expect`: when a consumer mode stops.
struct SimulatorRunOptions: ParsableArguments {
    @Option(name: .long, help: "Stop after this many seconds.")
    var seconds: Int?

    @Option(name: .long, help: "Stop after consuming this many records.")
    var expect: Int?

    @Option(name: .long, help: "This member's id in its consumer group (default: simulator-<pid>).")
    var instanceID: String?

    @Option(name: .long, help: "The consumer group (default: app-simulator-receiver / app-simulator-sink).")
    var group: String?

    var limit: RunLimit {
        RunLimit(records: expect, duration: seconds.map { .seconds($0) })
    }

    var memberID: String { instanceID ?? "simulator-\(ProcessInfo.processInfo.processIdentifier)" }

    func validate() throws {
        if let seconds, seconds < 1 { throw ValidationError("--seconds must be at least 1") }
        if let expect, expect < 1 { throw ValidationError("--expect must be at least 1") }
    }
}

struct SimulatorSendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send", abstract: "SENDER: write authenticated messages with timestamped payloads to p2p.out.")

    @OptionGroup var connection: BusConnectionOptions

    @Option(name: .long, help: "The sending hosted identity, <X.500 name>@<group id>.")
    var source: String

    @Option(name: .long, help: "The destination identity, <X.500 name>@<group id>.")
    var destination: String

    @Option(name: .long, help: "Messages per client.")
    var count: Int?

    @Option(name: .long, help: "Stop scheduling batches after this many seconds.")
    var durationSeconds: Int?

    @Option(name: .long, help: "Messages per second per client; 0 = as fast as the bus accepts.")
    var rate: Double = 0

    @Option(name: .long, help: "Messages per batch (1…\(SendSchedule.maximumBatchSize)).")
    var batchSize = 50

    @Option(name: .long, help: "Filler bytes per payload (0…\(SimulatorPayload.maximumFillerLength)).")
    var payloadSize = 1024

    @Option(name: .long, help: "TTL of each message in milliseconds; 0 = none.")
    var ttlMs = 0

    @Option(name: .long, help: "Parallel senders (1…\(SenderOptions.maximumClients)).")
    var clients = 1

    @Option(name: .long, help: "This sender instance's id (default: 8 random hex digits).")
    var instanceID: String?

    @Flag(name: .long, help: "Record every accepted message in the table sent_messages (--db-* options).")
    var recordSent = false

    @OptionGroup var database: SimulatorDatabaseOptions

    func run() async throws {
        let options = SenderOptions(
            source: try HoldingIdentity(parsing: source), destination: try HoldingIdentity(parsing: destination), count: count,
            duration: durationSeconds.map { .seconds($0) }, rate: rate > 0 ? rate : nil, batchSize: batchSize,
            payloadSize: payloadSize, ttl: ttlMs > 0 ? .milliseconds(ttlMs) : nil, clients: clients,
            instanceID: instanceID ?? SenderOptions.randomInstanceID())
        try options.validate()
        print("sender \(options.instanceID): \(options.clients) client(s) \(options.source) → \(options.destination)")
        let started = ContinuousClock.now
        let reports = try await connection.withSimulatorBus { bus in
            guard recordSent else { return try await SimulatorSender.run(bus: bus, options: options) }
            return try await database.withDatabase { db in try await SimulatorSender.run(bus: bus, options: options, database: db) }
        }
        let elapsed = ContinuousClock.now - started
        for report in reports { print("sender \(report.senderID): \(report.sent) sent, \(report.lateBatches) late batches") }
        let total = reports.reduce(0) { $0 + $1.sent }
        print("sender \(options.instanceID): \(total) messages in \(elapsed)")
    }
}

struct SimulatorReceiveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "receive", abstract: "RECEIVER: consume p2p.in and publish a received event per message to p2p.app.received_msg.")

    @OptionGroup var connection: BusConnectionOptions
    @OptionGroup var stop: SimulatorRunOptions

    @Option(name: .long, help: "Records per poll (1…\(SendSchedule.maximumBatchSize)).")
    var batchSize = 100

    func run() async throws {
        let report = try await connection.withSimulatorBus { bus in
            var options = SimulatorReceiver.Options(memberID: stop.memberID, batchSize: batchSize)
            options.group = stop.group ?? options.group
            return try await SimulatorReceiver.run(bus: bus, options: options, limit: stop.limit)
        }
        print("receiver \(stop.memberID): \(report.records) records, \(report.events) events published, \(report.malformed) malformed")
    }
}

struct SimulatorSinkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sink", abstract: "DB_SINK: copy p2p.app.received_msg into PostgreSQL, one row per message.")

    @OptionGroup var connection: BusConnectionOptions
    @OptionGroup var database: SimulatorDatabaseOptions
    @OptionGroup var stop: SimulatorRunOptions

    @Option(name: .long, help: "Records per poll and insert (1…\(SimulatorSink.maximumBatchSize)).")
    var batchSize = 500

    func run() async throws {
        let (report, summary) = try await database.withDatabase { db in
            let report = try await connection.withSimulatorBus { bus in
                var options = SimulatorSink.Options(memberID: stop.memberID, batchSize: batchSize)
                options.group = stop.group ?? options.group
                return try await SimulatorSink.run(bus: bus, database: db, options: options, limit: stop.limit)
            }
            return (report, try await db.summary())
        }
        print("sink \(stop.memberID): \(report.records) records, \(report.written) rows written, \(report.duplicates) duplicates, "
            + "\(report.malformed) malformed")
        print("table received_messages: \(summary)")
    }
}

struct SimulatorSummaryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "summary", abstract: "Print the row count and latency percentiles (percentile_cont) from PostgreSQL.")

    @OptionGroup var database: SimulatorDatabaseOptions

    @Option(name: .long, help: "Only the messages of this sender instance id.")
    var instanceID: String?

    func run() async throws {
        let summary = try await database.withDatabase { db in
            try await db.createSchema()
            return try await db.summary(senderPrefix: instanceID.map { "\($0)-" })
        }
        print(summary)
    }
}

extension BusConnectionOptions {
    /// Connects to the JetStream bus, runs `body`, and closes the bus whatever `body` does.
    func withSimulatorBus<T>(_ body: (JetStreamBus) async throws -> T) async throws -> T {
        let bus = try await JetStreamBus.connect(urls: urls, configuration: .init(connectAttempts: connectAttempts))
        do {
            let result = try await body(bus)
            await bus.close()
            return result
        } catch {
            await bus.close()
            throw error
        }
    }
}
