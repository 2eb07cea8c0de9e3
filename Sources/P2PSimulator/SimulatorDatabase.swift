import Logging
import PostgresNIO

/// One PostgreSQL connection of the sink: the schema, batched idempotent inserts, the summary query
/// (`docs/simulator.md`, SQL schema). Failures are ``SimulatorError/Code/databaseFailed`` carrying
/// the server's message (never the password).
public final class SimulatorDatabase: Sendable {
    private let connection: PostgresConnection
    private let logger: Logger

    private init(connection: PostgresConnection, logger: Logger) {
        self.connection = connection
        self.logger = logger
    }

    public static func connect(_ options: DatabaseOptions) async throws(SimulatorError) -> SimulatorDatabase {
        guard (1...65_535).contains(options.port) else { throw SimulatorError(.invalidOption, "db port \(options.port) not in 1…65535") }
        let logger = Logger(label: "p2p.simulator.db")
        let configuration = PostgresConnection.Configuration(
            host: options.host, port: options.port, username: options.user, password: options.password, database: options.name,
            tls: .disable)
        do {
            let connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
            return SimulatorDatabase(connection: connection, logger: logger)
        } catch {
            throw Self.failure("connect to \(options.host):\(options.port) as \(options.user)", error)
        }
    }

    /// Creates `received_messages` if absent.
    public func createSchema() async throws(SimulatorError) {
        _ = try await run("create the schema") {
            try await connection.query(
                """
                CREATE TABLE IF NOT EXISTS received_messages (
                    sender_id varchar(64) NOT NULL,
                    message_id varchar(255) NOT NULL,
                    sent_timestamp timestamptz NOT NULL,
                    received_timestamp timestamptz NOT NULL,
                    delivery_latency_us bigint NOT NULL,
                    PRIMARY KEY (sender_id, message_id))
                """, logger: logger)
        }
    }

    /// Inserts the batch's events in one statement; returns how many rows were new (the others were
    /// already there: `ON CONFLICT DO NOTHING`).
    public func insert(_ batch: EventBatch) async throws(SimulatorError) -> Int {
        guard !batch.events.isEmpty else { return 0 }
        let columns = batch.columns
        return try await run("insert \(batch.events.count) rows") {
            let rows = try await connection.query(
                """
                INSERT INTO received_messages (sender_id, message_id, sent_timestamp, received_timestamp, delivery_latency_us)
                SELECT s, m, to_timestamp(st / 1000000.0), to_timestamp(rt / 1000000.0), l
                FROM unnest(\(columns.senders)::varchar[], \(columns.messages)::varchar[], \(columns.sent)::bigint[],
                            \(columns.received)::bigint[], \(columns.latencies)::bigint[]) AS t(s, m, st, rt, l)
                ON CONFLICT (sender_id, message_id) DO NOTHING
                RETURNING 1
                """, logger: logger)
            var inserted = 0
            for try await _ in rows { inserted += 1 }
            return inserted
        }
    }

    /// Row count and latency percentiles, of every row or of the senders whose id starts with `senderPrefix`.
    public func summary(senderPrefix: String? = nil) async throws(SimulatorError) -> LatencySummary {
        try await run("summarise") {
            let prefix = senderPrefix ?? ""
            let rows = try await connection.query(
                """
                SELECT count(*), min(delivery_latency_us), max(delivery_latency_us),
                    percentile_cont(0.5) WITHIN GROUP (ORDER BY delivery_latency_us),
                    percentile_cont(0.9) WITHIN GROUP (ORDER BY delivery_latency_us),
                    percentile_cont(0.99) WITHIN GROUP (ORDER BY delivery_latency_us),
                    percentile_cont(0.999) WITHIN GROUP (ORDER BY delivery_latency_us)
                FROM received_messages WHERE starts_with(sender_id, \(prefix))
                """, logger: logger)
            for try await (count, minimum, maximum, p50, p90, p99, p999) in rows.decode(
                (Int64, Int64?, Int64?, Double?, Double?, Double?, Double?).self)
            {
                return LatencySummary(
                    count: Int(count), minimum: minimum, maximum: maximum, p50: p50, p90: p90, p99: p99, p999: p999)
            }
            return LatencySummary(count: 0, minimum: nil, maximum: nil, p50: nil, p90: nil, p99: nil, p999: nil)
        }
    }

    public func close() async {
        try? await connection.close()
    }

    private func run<T>(_ what: String, _ body: () async throws -> T) async throws(SimulatorError) -> T {
        do {
            return try await body()
        } catch {
            throw Self.failure(what, error)
        }
    }

    /// The server's message when there is one (PSQLError's own description hides it on purpose).
    static func failure(_ what: String, _ error: any Error) -> SimulatorError {
        if let error = error as? PSQLError {
            let message = error.serverInfo?[.message] ?? "\(error.code)"
            let state = error.serverInfo?[.sqlState].map { " (SQLSTATE \($0))" } ?? ""
            return SimulatorError(.databaseFailed, "\(what): \(message)\(state)")
        }
        return SimulatorError(.databaseFailed, "\(what): \(error)")
    }
}
