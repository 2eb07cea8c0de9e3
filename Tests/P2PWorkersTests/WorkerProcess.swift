#if canImport(Glibc)
import Glibc
#endif
import Foundation
import P2PTestSupport

/// A `p2p-gateway` or `p2p-link-manager` built next to the test bundle, run as a child process and
/// stopped by PID. Its output is collected while it runs, so a test can wait for its ready line.
final class WorkerProcess: @unchecked Sendable {
    static let readyTimeout = Duration.seconds(15)
    static let stopTimeout = Duration.seconds(10)

    let name: String
    private let process = Process()
    private let pipe = Pipe()
    private let lock = NSLock()
    private var output = ""

    /// Next to the test bundle, or in `P2P_WORKERS_DIR` when set (e.g. `.build/release` to measure
    /// release workers from a debug test run).
    static func url(_ executable: String) -> URL {
        if let directory = ProcessInfo.processInfo.environment["P2P_WORKERS_DIR"], !directory.isEmpty {
            return URL(fileURLWithPath: directory).appendingPathComponent(executable)
        }
        return URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(executable)
    }

    /// Starts `executable arguments…` with stdout and stderr collected together.
    init(_ executable: String, _ arguments: [String]) throws {
        name = executable
        process.executableURL = Self.url(executable)
        process.arguments = arguments
        process.standardOutput = pipe
        process.standardError = pipe
        pipe.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard let self, !data.isEmpty else { return }
            self.lock.withLock { self.output += String(decoding: data, as: UTF8.self) }
        }
        try process.run()
    }

    var text: String { lock.withLock { output } }
    var isRunning: Bool { process.isRunning }
    var pid: Int32 { process.processIdentifier }
    var status: Int32 { process.terminationStatus }

    /// Waits (bounded) until the output contains `line`; throws with the output if it exits first or time runs out.
    func waitFor(_ line: String, timeout: Duration = readyTimeout) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if text.contains(line) { return }
            if !process.isRunning { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        if text.contains(line) { return }
        throw FixtureError("\(name) did not print \"\(line)\": \(text)")
    }

    /// Waits (bounded) for the process to exit by itself; SIGKILLs it if it does not.
    func waitForExit(timeout: Duration = stopTimeout) async throws -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        guard !process.isRunning else {
            kill()
            throw FixtureError("\(name) did not exit in \(timeout): \(text)")
        }
        collectRemainingOutput()
        return process.terminationStatus
    }

    /// SIGTERM, then waits (bounded) for the exit status.
    func terminate() async throws -> Int32 {
        if process.isRunning { Glibc.kill(process.processIdentifier, SIGTERM) }
        return try await waitForExit()
    }

    /// After the exit: what the readability handler has not appended yet (it runs asynchronously), so the text
    /// is complete when a test reads it.
    private func collectRemainingOutput() {
        let handle = pipe.fileHandleForReading
        handle.readabilityHandler = nil
        let rest = handle.readDataToEndOfFile()
        if !rest.isEmpty { lock.withLock { output += String(decoding: rest, as: UTF8.self) } }
    }

    /// SIGKILL by PID and reap.
    func kill() {
        guard process.isRunning else { return }
        Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    deinit { kill() }
}

extension WorkerProcess {
    /// CPU seconds (user + system) the process used so far; 0 once it has been reaped.
    var cpuSeconds: Double { ProcessStat.cpuSeconds(pid) ?? 0 }

    /// Sends `number` (SIGSTOP, SIGCONT) to the process by PID while it runs.
    func signal(_ number: Int32) {
        guard isRunning else { return }
        _ = Glibc.kill(pid, number)
    }
}
