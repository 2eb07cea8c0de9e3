import Foundation

/// Runs a real program (openssl, unzip, python3, curl) to completion, bounded in time; stopped by PID.
enum Tool {
    static let timeout: Duration = .seconds(20)

    struct Result {
        let status: Int32
        let output: String
    }

    static func run(_ executable: String, _ arguments: [String], in directory: URL? = nil) throws -> Result {
        let process = Process()
        process.executableURL = URL(filePath: executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()  // ends when the program exits
        let deadline = ContinuousClock.now + timeout
        while process.isRunning, ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.01) }
        if process.isRunning { process.terminate() }  // our own child, by PID
        process.waitUntilExit()
        return Result(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self))
    }

    static func openssl(_ arguments: [String], in directory: URL? = nil) throws -> Result {
        try run("/usr/bin/openssl", arguments, in: directory)
    }
}
