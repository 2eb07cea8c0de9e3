import Foundation

/// What real `curl` saw of one request: its exit status, the response's status code, headers and body.
public struct CurlResult: Sendable {
    public var exitStatus: Int32
    public var statusCode: Int
    public var contentType: String
    /// The final response's header fields, names lower-cased, in order.
    public var headers: [(name: String, value: String)]
    public var body: String

    /// The first value of header `name` (any case), if present.
    public func header(_ name: String) -> String? {
        let lower = name.lowercased()
        return headers.first { $0.name == lower }?.value
    }
}

/// Real `curl` as a foreign HTTP client in tests.
public enum Curl {
    static let marker = "\n--curl--\n"

    /// Runs curl (silent, 10 s limit) with `arguments` and the URL last, on a thread of its own: a blocking
    /// wait on the cooperative pool could starve the server task the request is waiting for.
    public static func run(_ url: String, _ arguments: [String] = []) async throws -> CurlResult {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try runBlocking(url, arguments) }) }.start()
        }
    }

    private static func runBlocking(_ url: String, _ arguments: [String]) throws -> CurlResult {
        let dump = FileManager.default.temporaryDirectory.appendingPathComponent("p2p-curl-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dump) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        process.arguments =
            ["-s", "--max-time", "10", "-D", dump.path, "-w", "\(marker)%{http_code}\n%{content_type}"] + arguments + [url]
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
            headers: Self.lastResponseHeaders((try? String(contentsOf: dump, encoding: .utf8)) ?? ""),
            body: parts.dropLast().joined(separator: marker))
    }

    /// The header fields of the last response in a `-D` dump (interim 100 responses and earlier ones skipped).
    static func lastResponseHeaders(_ dump: String) -> [(name: String, value: String)] {
        var fields: [(name: String, value: String)] = []
        for line in dump.components(separatedBy: "\r\n") {
            if line.hasPrefix("HTTP/") {
                fields = []
            } else if let colon = line.firstIndex(of: ":") {
                let name = line[..<colon].lowercased()
                let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                fields.append((name, value))
            }
        }
        return fields
    }
}
