import P2PSimulator
import P2PTestSupport
import Testing

/// The sink's SQL against a real PostgreSQL started by the fixture.
@Suite("Simulator database (PostgreSQL)", .serialized)
struct SimulatorDatabaseTests {
    static func options(_ server: PostgresServer, password: String? = nil) -> DatabaseOptions {
        DatabaseOptions(host: "127.0.0.1", port: server.port, user: server.user, password: password ?? server.password, name: server.database)
    }

    @Test func insertsOnceAndComputesPercentilesInSQL() async throws {
        let server = try await PostgresServer.start()
        defer { server.stop() }
        let database = try await SimulatorDatabase.connect(Self.options(server))
        try await database.createSchema()
        try await database.createSchema()

        // Latencies 1…100 ms: percentile_cont interpolates, p50 = 50.5 ms, p90 = 90.1 ms.
        var batch = EventBatch()
        for n in 1...100 {
            let event = ReceivedEvent(senderID: "db-\(n % 2)", messageID: "m-\(n)", sendTime: 1_700_000_000_000_000, receiveTime: 1_700_000_000_000_000 + UInt64(n) * 1000)
            #expect(batch.add(try event.encoded()) == nil)
        }
        #expect(try await database.insert(batch) == 100)
        #expect(try await database.insert(batch) == 0)

        let summary = try await database.summary()
        #expect(summary.count == 100)
        #expect(summary.minimum == 1000)
        #expect(summary.maximum == 100_000)
        #expect(summary.p50 == 50_500)
        #expect(summary.p90.map { abs($0 - 90_100) < 0.001 } == true)
        #expect(try await database.summary(senderPrefix: "db-1").count == 50)
        #expect(try await database.summary(senderPrefix: "nobody").count == 0)
        #expect(try await database.insert(EventBatch()) == 0)

        // Sent messages without a received row are undelivered (m-1 and m-3 of db-1 arrived, m-999 did not).
        let sentIDs = ["m-1", "m-3", "m-999"]
        #expect(try await database.recordSent(senderID: "db-1", messageIDs: sentIDs, sendTime: 1_700_000_000_000_000) == 3)
        #expect(try await database.recordSent(senderID: "db-1", messageIDs: sentIDs, sendTime: 1_700_000_000_000_000) == 0)
        let withSent = try await database.summary(senderPrefix: "db-1")
        #expect(withSent.sent == 3)
        #expect(withSent.undelivered == 1)
        #expect(try await database.summary(senderPrefix: "db-0").sent == 0)
        await database.close()
    }

    @Test func failuresAreDatabaseErrorsNamingTheCause() async throws {
        let server = try await PostgresServer.start()
        defer { server.stop() }
        await #expect(throws: SimulatorError(.databaseFailed)) { try await SimulatorDatabase.connect(Self.options(server, password: "wrong")) }
        let closedPort = try NATSServer.freePort()
        await #expect(throws: SimulatorError(.databaseFailed)) {
            try await SimulatorDatabase.connect(DatabaseOptions(port: closedPort, user: server.user, password: server.password, name: server.database))
        }
        await #expect(throws: SimulatorError(.invalidOption)) { try await SimulatorDatabase.connect(DatabaseOptions(port: 0)) }
        do {
            _ = try await SimulatorDatabase.connect(Self.options(server, password: "wrong"))
        } catch {
            #expect(error.detail.contains("password authentication failed"))
            #expect(!error.detail.contains("wrong"))
        }
    }
}
