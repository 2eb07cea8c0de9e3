#if canImport(Glibc)
import Glibc
#endif
public import Foundation
import P2PBus

/// A real `nats-server -js` on a free loopback port, with its store in a temporary directory.
/// Stopped by PID (never by name), and its directory removed, when `stop()` is called or the
/// fixture is released.
public final class NATSServer: @unchecked Sendable {
    /// How long `start` waits for the server to accept connections.
    public static let startTimeout: Duration = .seconds(10)
    public static let executable = "/usr/sbin/nats-server"

    public let port: Int
    public let directory: URL
    public var url: String { "nats://127.0.0.1:\(port)" }
    private let lock = NSLock()
    private var process: Process?
    private let arguments: [String]

    /// Starts a single JetStream node.
    public static func start() async throws -> NATSServer {
        let directory = try temporaryDirectory("nats")
        let port = try freePort()
        let server = NATSServer(
            port: port, directory: directory,
            arguments: ["-a", "127.0.0.1", "-p", "\(port)", "-js", "-sd", directory.appendingPathComponent("js").path])
        try await server.launch()
        return server
    }

    init(port: Int, directory: URL, arguments: [String]) {
        self.port = port
        self.directory = directory
        self.arguments = arguments
    }

    deinit {
        stopNow()
        try? FileManager.default.removeItem(at: directory)
    }

    public var pid: Int32? { lock.withLock { process?.processIdentifier } }

    /// Starts the process (again, after `kill`) and waits until the port accepts connections.
    public func launch() async throws {
        let log = directory.appendingPathComponent("server.log")
        let process = try ServerProcess.start(Self.executable, arguments, log: log)
        lock.withLock { self.process = process }
        let port = self.port
        if try await ServerProcess.waitUntilReady(process, timeout: Self.startTimeout, interval: .milliseconds(20), ready: {
            Self.accepts(port: port)
        }) { return }
        stopNow()
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        throw FixtureError("nats-server on port \(port) did not start: \(text.suffix(500))")
    }

    /// SIGKILL: the crash case. The data directory stays, so `launch()` restarts the same node.
    public func kill() {
        signal(SIGKILL)
        lock.withLock { process?.waitUntilExit(); process = nil }
    }

    /// SIGSTOP / SIGCONT: a stalled server that keeps its connections open. `suspend` returns once
    /// the kernel reports the process stopped (state `T` in `/proc/<pid>/stat`, waited for at most 2 s).
    public func suspend() {
        signal(SIGSTOP)
        guard let pid else { return }
        for _ in 0..<400 {
            if let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")"),
                stat[stat.index(after: close)...].split(separator: " ").first == "T"
            {
                return
            }
            usleep(5_000)
        }
    }
    public func resume() { signal(SIGCONT) }

    /// SIGTERM and wait for the exit (bounded: SIGKILL after 5 s).
    public func stop() {
        stopNow()
    }

    private func signal(_ number: Int32) {
        if let pid, pid > 0 { _ = Glibc.kill(pid, number) }
    }

    private func stopNow() {
        guard let process = lock.withLock({ () -> Process? in defer { self.process = nil }; return self.process }) else { return }
        guard process.isRunning else { return }
        let pid = process.processIdentifier
        _ = Glibc.kill(pid, SIGCONT)
        _ = Glibc.kill(pid, SIGTERM)
        for _ in 0..<250 where process.isRunning { usleep(20_000) }
        if process.isRunning {
            _ = Glibc.kill(pid, SIGKILL)
            process.waitUntilExit()
        }
    }

    // MARK: Helpers

    static func temporaryDirectory(_ prefix: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("p2p-\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A port the kernel just gave out on 127.0.0.1 (bound to port 0, then closed).
    public static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw FixtureError("socket failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else { throw FixtureError("bind failed") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    static func accepts(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }
}

/// A 3-node JetStream cluster on loopback (config as in the bus reference notes), each node stopped by PID.
public final class NATSCluster: @unchecked Sendable {
    public let nodes: [NATSServer]
    public let directory: URL
    public var urls: [String] { nodes.map(\.url) }

    public static func start(size: Int = 3) async throws -> NATSCluster {
        let directory = try NATSServer.temporaryDirectory("cluster")
        var clientPorts: [Int] = []
        var routePorts: [Int] = []
        for _ in 0..<size {
            clientPorts.append(try NATSServer.freePort())
            routePorts.append(try NATSServer.freePort())
        }
        let routes = routePorts.map { "nats-route://127.0.0.1:\($0)" }.joined(separator: ", ")
        var nodes: [NATSServer] = []
        for index in 0..<size {
            let nodeDirectory = directory.appendingPathComponent("n\(index + 1)")
            try FileManager.default.createDirectory(at: nodeDirectory, withIntermediateDirectories: true)
            let config = """
                server_name: c\(index + 1)
                host: 127.0.0.1
                port: \(clientPorts[index])
                jetstream { store_dir: "\(nodeDirectory.appendingPathComponent("js").path)", max_file_store: 1GB, max_memory_store: 256MB }
                cluster {
                  name: ci
                  listen: 127.0.0.1:\(routePorts[index])
                  routes: [ \(routes) ]
                }
                """
            let file = nodeDirectory.appendingPathComponent("nats.conf")
            try config.write(to: file, atomically: true, encoding: .utf8)
            nodes.append(NATSServer(port: clientPorts[index], directory: nodeDirectory, arguments: ["-c", file.path]))
        }
        let cluster = NATSCluster(nodes: nodes, directory: directory)
        for node in nodes { try await node.launch() }
        return cluster
    }

    init(nodes: [NATSServer], directory: URL) {
        self.nodes = nodes
        self.directory = directory
    }

    public func stop() {
        for node in nodes { node.stop() }
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: directory)
    }
}

public struct FixtureError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
