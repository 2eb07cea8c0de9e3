public import ArgumentParser
import P2PMetrics

/// The options both workers share: where the bus is, the cluster key, and this instance's name.
public struct WorkerOptions: ParsableArguments, Sendable {
    /// Instance ids are consumer-group member names: this many characters at most.
    public static let maximumInstanceIDLength = 64

    @Option(name: .long, help: "NATS server URL(s), comma-separated (nats://host:port).")
    public var url: String = "nats://127.0.0.1:4222"

    @Option(name: .long, help: "File holding the 32-byte cluster key (mode 0600) that opens the hosted identities' keys.")
    public var clusterKey: String

    @Option(name: .long, help: "This instance's member id in the consumer groups (A-Z a-z 0-9 - _; default: <role>-<pid>).")
    public var instanceId: String?

    @Option(name: .long, help: "Connect attempts before giving up (one second apart).")
    public var connectAttempts: Int = 5

    @Option(name: .long, help: "Stop after this many seconds (default: run until SIGINT/SIGTERM).")
    public var seconds: Int?

    @Flag(name: .long, help: "Log at debug level (failed batches, assignment changes).")
    public var verbose = false

    @Option(name: .long, help: "Serve Prometheus metrics at http://<metrics-host>:<port>/metrics (0: a free port; default: off).")
    public var metricsPort: Int?

    @Option(name: .long, help: "The address the metrics endpoint binds.")
    public var metricsHost: String = MetricsServer.defaultHost

    public init() {}

    /// The server URLs, split and trimmed.
    public var urls: [String] { url.split(separator: ",").map { String($0).filter { $0 != " " } } }

    public func validate() throws {
        guard !urls.isEmpty else { throw ValidationError("--url names no server") }
        guard (1...100).contains(connectAttempts) else { throw ValidationError("--connect-attempts must be 1…100") }
        if let seconds, seconds < 1 { throw ValidationError("--seconds must be at least 1") }
        if let metricsPort, !(0...65535).contains(metricsPort) { throw ValidationError("--metrics-port must be 0…65535") }
        if let instanceId {
            guard !instanceId.isEmpty, instanceId.count <= Self.maximumInstanceIDLength,
                instanceId.utf8.allSatisfy({ Self.isMemberCharacter($0) })
            else {
                throw ValidationError(
                    "--instance-id must be 1…\(Self.maximumInstanceIDLength) characters of A-Z a-z 0-9 - _")
            }
        }
    }

    /// `instanceId`, or `<role>-<pid>` when none was given.
    func memberID(role: String, pid: Int32) -> String { instanceId ?? "\(role)-\(pid)" }

    static func isMemberCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "-"), UInt8(ascii: "_"):
            true
        default:
            false
        }
    }
}

extension WorkerOptions {
    /// Starts the metrics endpoint when `--metrics-port` was given, over the sources `register` adds,
    /// and prints its URL; `nil` when metrics are off (`docs/metrics.md`).
    func startMetrics(_ register: (MetricsCollector) throws -> Void) async throws -> MetricsServer? {
        guard let metricsPort else { return nil }
        let collector = MetricsCollector()
        try register(collector)
        let server = try await MetricsServer.start(collector: collector, host: metricsHost, port: metricsPort)
        print("metrics on \(server.url)")
        return server
    }
}
