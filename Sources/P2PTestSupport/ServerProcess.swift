import Foundation

/// Starting a server that a test fixture owns: a child process writing to a log file, and a bounded wait
/// until it is ready.
enum ServerProcess {
    /// Starts `path arguments…` with standard output and error written to `log` (created empty), with
    /// `environment` added to ours.
    static func start(_ path: String, _ arguments: [String], log: URL, environment: [String: String] = [:]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        defer { try? handle.close() }  // the child holds its own descriptor
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        return process
    }

    /// Polls `ready` every `interval` until it holds (true), the process exits or `timeout` passes (false).
    /// Readiness is checked before the deadline on every pass: a waiter that wakes late (the cooperative pool
    /// busy with other tests) still sees a server that came up in time.
    static func waitUntilReady(
        _ process: Process, timeout: Duration, interval: Duration, ready: () -> Bool
    ) async throws -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while true {
            if ready() { return true }
            guard process.isRunning, clock.now < deadline else { return false }
            try await Task.sleep(for: interval)
        }
    }
}
