#if canImport(Glibc)
import Glibc
#endif
public import Foundation

/// The `p2p` executable built next to the test bundle, run as a child process and stopped by PID.
///
/// Both output pipes are drained while the child runs, so a child that prints more than a pipe
/// buffer holds cannot block on a full pipe.
public enum P2PBinary {
    /// Where the build put `p2p`: beside the running test bundle.
    public static var url: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("p2p")
    }

    public struct Output: Sendable {
        public let status: Int32
        public let stdout: String
        public let stderr: String
    }

    /// Runs `p2p arguments…` to completion; kills it with SIGKILL (by PID) and throws after `timeout`.
    public static func run(_ arguments: [String], timeout: Duration = .seconds(30)) async throws -> Output {
        let process = Process()
        process.executableURL = url
        process.arguments = arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let stdout = PipeDrain(out.fileHandleForReading)
        let stderr = PipeDrain(err.fileHandleForReading)
        try process.run()
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while process.isRunning, clock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw FixtureError("p2p \(arguments.joined(separator: " ")) did not finish in \(timeout)")
        }
        return Output(status: process.terminationStatus, stdout: stdout.finish(), stderr: stderr.finish())
    }
}

/// Reads a pipe to its end on a dispatch queue (not on the cooperative pool, which has only as many
/// threads as cores), so the writer never blocks on a full pipe.
private final class PipeDrain: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var data = Data()

    init(_ handle: FileHandle) {
        DispatchQueue.global().async {
            self.data = handle.readDataToEndOfFile()
            self.done.signal()
        }
    }

    /// Waits for end of file (the child has exited, so it comes at once) and returns the text.
    func finish() -> String {
        done.wait()
        return String(decoding: data, as: UTF8.self)
    }
}
