import Foundation

/// Real `curl` as the scraper: what it saw of one request.
struct CurlResult {
    var exitStatus: Int32
    var statusCode: Int
    var contentType: String
    var body: String

    /// The value of the series `name{member="member"}` in an exposition body, if present.
    func value(of name: String, member: String) -> Double? {
        let prefix = "\(name){member=\"\(member)\"} "
        for line in body.split(separator: "\n") where line.hasPrefix(prefix) {
            return Double(line.dropFirst(prefix.count))
        }
        return nil
    }
}

enum Curl {
    static let marker = "\n--curl--\n"

    /// Runs curl (silent, 10 s limit) with `arguments` and the URL last, on a thread of its own: a
    /// blocking wait on the cooperative pool could starve the server's scrape task.
    static func run(_ url: String, _ arguments: [String] = []) async throws -> CurlResult {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try runBlocking(url, arguments) }) }.start()
        }
    }

    private static func runBlocking(_ url: String, _ arguments: [String]) throws -> CurlResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        process.arguments =
            ["-s", "--max-time", "10", "-w", "\(marker)%{http_code}\n%{content_type}"] + arguments + [url]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let parts = output.components(separatedBy: marker)
        let trailer = (parts.last ?? "").split(separator: "\n", omittingEmptySubsequences: false)
        return CurlResult(
            exitStatus: process.terminationStatus,
            statusCode: trailer.first.flatMap { Int($0) } ?? 0,
            contentType: trailer.count > 1 ? String(trailer[1]) : "",
            body: parts.dropLast().joined(separator: marker))
    }
}
