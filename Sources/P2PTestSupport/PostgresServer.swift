#if canImport(Glibc)
import Glibc
#endif
public import Foundation

/// A real PostgreSQL server on a free loopback port, in a temporary data directory made by `initdb`,
/// for tests. PostgreSQL refuses to run as root, so when the tests run as root the server runs as the
/// `postgres` user (through `setpriv`, which execs: the child's PID is the postmaster's). Stopped by
/// that PID (fast shutdown, SIGKILL after a bound) and its directory removed by `stop()` or on release.
/// Never touches another server: its socket, port and data are its own.
public final class PostgresServer: @unchecked Sendable {
    public static let startTimeout: Duration = .seconds(30)
    public static let stopTimeout: Duration = .seconds(10)
    /// The Debian layout: `/usr/lib/postgresql/<major>/bin`.
    public static let installRoot = "/usr/lib/postgresql"

    public let port: Int
    public let directory: URL
    public let user = "simulator"
    public let password: String
    public let database = "simulator"
    private let lock = NSLock()
    private var process: Process?

    private init(port: Int, directory: URL, password: String) {
        self.port = port
        self.directory = directory
        self.password = password
    }

    deinit {
        stopNow()
        try? FileManager.default.removeItem(at: directory)
    }

    public var pid: Int32? { lock.withLock { process?.processIdentifier } }

    /// `initdb` (SCRAM password for ``user``; database ``database``), then the server on 127.0.0.1.
    public static func start() async throws -> PostgresServer {
        let bin = try binDirectory()
        let directory = try NATSServer.temporaryDirectory("postgres")
        let server = PostgresServer(port: try NATSServer.freePort(), directory: directory, password: UUID().uuidString)
        let data = directory.appendingPathComponent("data").path
        let passwordFile = directory.appendingPathComponent("password").path
        try Data(server.password.utf8).write(to: URL(fileURLWithPath: passwordFile))
        try server.handOver()
        let initdb = try runToEnd(
            bin + "/initdb",
            ["-D", data, "-U", server.user, "--pwfile=\(passwordFile)", "-A", "scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync"],
            log: directory.appendingPathComponent("initdb.log"))
        guard initdb == 0 else { throw FixtureError("initdb exited \(initdb): \(server.log("initdb.log"))") }
        try await server.launch(bin: bin, data: data)
        let created = try runToEnd(
            bin + "/psql",
            ["-h", "127.0.0.1", "-p", "\(server.port)", "-U", server.user, "-d", "postgres", "-X", "-v", "ON_ERROR_STOP=1", "-q",
             "-c", "CREATE DATABASE \(server.database)"],
            log: directory.appendingPathComponent("psql.log"), environment: ["PGPASSWORD": server.password])
        guard created == 0 else {
            server.stop()
            throw FixtureError("CREATE DATABASE failed: \(server.log("psql.log"))")
        }
        return server
    }

    /// The newest installed major version's `bin`.
    static func binDirectory() throws -> String {
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: installRoot)) ?? []
        let usable = versions.compactMap(Int.init).sorted().reversed().map { "\(installRoot)/\($0)/bin" }
            .filter { FileManager.default.isExecutableFile(atPath: $0 + "/initdb") }
        guard let bin = usable.first else { throw FixtureError("no PostgreSQL under \(installRoot) (apt-get install postgresql)") }
        return bin
    }

    /// When root: gives the directory to `postgres`, whose uid/gid `setpriv` switches to.
    private func handOver() throws {
        guard getuid() == 0 else { return }
        guard let entry = getpwnam("postgres") else { throw FixtureError("running as root and there is no postgres user") }
        let (uid, gid) = (entry.pointee.pw_uid, entry.pointee.pw_gid)
        for path in [directory.path, directory.appendingPathComponent("password").path] {
            guard chown(path, uid, gid) == 0 else { throw FixtureError("chown \(path) failed: errno \(errno)") }
        }
    }

    /// `executable arguments…`, as `postgres` when we are root.
    private static func command(_ executable: String, _ arguments: [String]) -> (String, [String]) {
        guard getuid() == 0 else { return (executable, arguments) }
        return ("/usr/bin/setpriv", ["--reuid=postgres", "--regid=postgres", "--init-groups", "--", executable] + arguments)
    }

    /// Runs a command to completion (they are short: initdb, psql), output to `log`.
    private static func runToEnd(_ executable: String, _ arguments: [String], log: URL, environment: [String: String] = [:]) throws -> Int32 {
        let (path, full) = command(executable, arguments)
        let process = try ServerProcess.start(path, full, log: log, environment: environment)
        process.waitUntilExit()
        return process.terminationStatus
    }

    private func launch(bin: String, data: String) async throws {
        let (path, arguments) = Self.command(
            bin + "/postgres",
            ["-D", data, "-p", "\(port)", "-k", directory.path, "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off",
             "-c", "synchronous_commit=off", "-c", "full_page_writes=off"])
        let process = try ServerProcess.start(path, arguments, log: directory.appendingPathComponent("server.log"))
        lock.withLock { self.process = process }
        let port = self.port
        // Accepting TCP is not enough (the server answers "starting up" for a while): wait for the log line.
        if try await ServerProcess.waitUntilReady(process, timeout: Self.startTimeout, interval: .milliseconds(50), ready: {
            NATSServer.accepts(port: port) && self.log("server.log").contains("ready to accept connections")
        }) { return }
        stopNow()
        throw FixtureError("postgres on port \(port) did not start: \(self.log("server.log").suffix(800))")
    }

    /// Fast shutdown (SIGINT) and wait; SIGKILL after ``stopTimeout``.
    public func stop() {
        stopNow()
    }

    private func stopNow() {
        guard let process = lock.withLock({ () -> Process? in defer { self.process = nil }; return self.process }) else { return }
        guard process.isRunning else { return }
        let pid = process.processIdentifier
        _ = Glibc.kill(pid, SIGINT)
        let deadline = ContinuousClock.now + Self.stopTimeout
        while process.isRunning, ContinuousClock.now < deadline { usleep(20_000) }
        if process.isRunning {
            _ = Glibc.kill(pid, SIGKILL)
        }
        process.waitUntilExit()
    }

    private func log(_ name: String) -> String {
        (try? String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)) ?? ""
    }
}
