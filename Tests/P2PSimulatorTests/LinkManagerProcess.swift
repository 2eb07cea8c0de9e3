#if canImport(Glibc)
import Glibc
#endif
import Foundation
import P2PTestSupport

/// A `p2p-link-manager` built next to the test bundle, run as a child process with its output in a
/// file, and stopped by PID (SIGTERM, SIGKILL after a bound).
final class LinkManagerProcess: @unchecked Sendable {
    static let readyTimeout = Duration.seconds(20)
    private let process = Process()
    private let log: URL

    init(_ arguments: [String], log: URL) throws {
        self.log = log
        process.executableURL = P2PBinary.url.deletingLastPathComponent().appendingPathComponent("p2p-link-manager")
        process.arguments = arguments
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
    }

    var text: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

    /// Waits (bounded) for its ready line.
    func waitUntilRunning() async throws {
        let deadline = ContinuousClock.now + Self.readyTimeout
        while ContinuousClock.now < deadline, process.isRunning {
            if text.contains(" running on ") { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        if text.contains(" running on ") { return }
        stop()
        throw FixtureError("p2p-link-manager did not start: \(text)")
    }

    func stop() {
        guard process.isRunning else { return }
        let pid = process.processIdentifier
        kill(pid, SIGTERM)
        let deadline = ContinuousClock.now + .seconds(10)
        while process.isRunning, ContinuousClock.now < deadline { usleep(20_000) }
        if process.isRunning { kill(pid, SIGKILL) }
        process.waitUntilExit()
    }
}
