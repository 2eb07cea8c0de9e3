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

    /// The tables (`docs/simulator.md`, SQL schema); one statement each (the extended protocol runs one
    /// statement per query).
    static let schema: [String] = [
        """
        CREATE TABLE IF NOT EXISTS received_messages (
            sender_id varchar(64) NOT NULL, message_id varchar(255) NOT NULL,
            sent_timestamp timestamptz NOT NULL, received_timestamp timestamptz NOT NULL, delivery_latency_us bigint NOT NULL,
            PRIMARY KEY (sender_id, message_id))
        """,
        """
        CREATE TABLE IF NOT EXISTS sent_messages (
            sender_id varchar(64) NOT NULL, message_id varchar(255) NOT NULL, sent_timestamp timestamptz NOT NULL,
            PRIMARY KEY (sender_id, message_id))
        """,
    ]

    /// Creates `received_messages` and `sent_messages` if absent.
    public func createSchema() async throws(SimulatorError) {
        for statement in Self.schema {
            _ = try await run("create the schema") { try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger) }
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
            return try await Self.count(rows)
        }
    }

    /// Records messages the bus accepted from one sender (all with one intended send time, µs);
    /// returns how many rows were new.
    public func recordSent(senderID: String, messageIDs: [String], sendTime: UInt64) async throws(SimulatorError) -> Int {
        guard !messageIDs.isEmpty else { return 0 }
        let senders = [String](repeating: senderID, count: messageIDs.count)
        let time = Int64(clamping: sendTime)
        return try await run("record \(messageIDs.count) sent messages") {
            let rows = try await connection.query(
                """
                INSERT INTO sent_messages (sender_id, message_id, sent_timestamp)
                SELECT s, m, to_timestamp(\(time)::bigint / 1000000.0)
                FROM unnest(\(senders)::varchar[], \(messageIDs)::varchar[]) AS t(s, m)
                ON CONFLICT (sender_id, message_id) DO NOTHING
                RETURNING 1
                """, logger: logger)
            return try await Self.count(rows)
        }
    }

    /// Row count and latency percentiles, of every row or of the senders whose id starts with
    /// `senderPrefix`, with the sent messages recorded and those of them not received.
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
            var summary = LatencySummary(count: 0, minimum: nil, maximum: nil, p50: nil, p90: nil, p99: nil, p999: nil)
            for try await (count, minimum, maximum, p50, p90, p99, p999) in rows.decode(
                (Int64, Int64?, Int64?, Double?, Double?, Double?, Double?).self)
            {
                summary = LatencySummary(
                    count: Int(count), minimum: minimum, maximum: maximum, p50: p50, p90: p90, p99: p99, p999: p999)
            }
            let sent = try await connection.query(
                """
                SELECT count(*), count(*) FILTER (WHERE NOT EXISTS (
                    SELECT 1 FROM received_messages r WHERE r.sender_id = s.sender_id AND r.message_id = s.message_id))
                FROM sent_messages s WHERE starts_with(s.sender_id, \(prefix))
                """, logger: logger)
            for try await (recorded, undelivered) in sent.decode((Int64, Int64).self) {
                summary.sent = Int(recorded)
                summary.undelivered = Int(undelivered)
            }
            return summary
        }
    }

    /// The rows a `RETURNING 1` statement gave back: the rows it inserted.
    private static func count(_ rows: PostgresRowSequence) async throws -> Int {
        var count = 0
        for try await _ in rows { count += 1 }
        return count
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
