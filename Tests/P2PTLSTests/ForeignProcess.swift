import Foundation
import NIOConcurrencyHelpers

/// A real foreign peer (`openssl`, `curl`) started by a test and stopped by its PID. Every wait is bounded.
final class ForeignProcess: Sendable {
    /// The longest a test waits for a foreign process to print or exit.
    static let timeout: Duration = .seconds(15)

    private let process: Process
    private let output = NIOLockedValueBox<[UInt8]>([])

    var text: String { String(decoding: output.withLockedValue { $0 }, as: UTF8.self) }
    var pid: Int32 { process.processIdentifier }

    /// Starts `executable arguments…`, feeding `input` to its standard input (then closing it unless `keepInputOpen`).
    init(_ executable: String, _ arguments: [String], input: String? = nil, keepInputOpen: Bool = false) throws {
        process = Process()
        process.executableURL = URL(filePath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        let stdin = Pipe()
        process.standardInput = stdin
        let box = output
        pipe.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if !data.isEmpty { box.withLockedValue { $0 += Array(data) } }
        }
        try process.run()
        if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
        if !keepInputOpen { try stdin.fileHandleForWriting.close() }
    }

    /// Runs to completion (bounded); returns the exit status and everything it printed.
    static func run(_ executable: String, _ arguments: [String], input: String? = nil) async throws -> (status: Int32, output: String) {
        let process = try ForeignProcess(executable, arguments, input: input)
        let status = await process.waitForExit()
        return (status, process.text)
    }

    /// Waits until the output contains `text`; false on timeout or exit.
    func waitForOutput(containing text: String) async -> Bool {
        let deadline = ContinuousClock.now + Self.timeout
        // The output is checked before the deadline on every pass, so a waiter that wakes late
        // (the cooperative pool busy with other tests) still sees output that arrived in time.
        while true {
            if self.text.contains(text) { return true }
            if !process.isRunning { return self.text.contains(text) }
            guard ContinuousClock.now < deadline else { return false }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Waits for exit (terminating the process by PID at the timeout) and returns its status.
    func waitForExit() async -> Int32 {
        let deadline = ContinuousClock.now + Self.timeout
        while process.isRunning, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        if process.isRunning { stop() }
        try? await Task.sleep(for: .milliseconds(20))  // the last output
        return process.terminationStatus
    }

    /// Sends SIGTERM, then SIGKILL, to this process by its PID, waiting a bounded time for each.
    func stop() {
        kill(process.processIdentifier, SIGTERM)  // our child: Foundation reaps it only after it exits
        for _ in 0..<30 where process.isRunning { usleep(10_000) }
        for signal in [SIGKILL] {
            guard process.isRunning else { return }
            kill(process.processIdentifier, signal)
            for _ in 0..<200 where process.isRunning { usleep(10_000) }
        }
    }
}

/// A fresh temporary directory for PEM files handed to foreign tools.
struct ScratchDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appending(path: "p2p-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func remove() { try? FileManager.default.removeItem(at: url) }
}
