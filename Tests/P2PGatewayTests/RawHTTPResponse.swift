import NIOCore
import Synchronization

/// A response read back from raw bytes, to check exactly what went on the wire.
struct RawHTTPResponse {
    let status: Int
    let headers: [String: String]
    let body: ByteBuffer

    /// Parses one complete response from the front of `buffer`, or returns nil (consuming nothing).
    static func parse(from buffer: inout ByteBuffer) -> RawHTTPResponse? {
        let bytes = Array(buffer.readableBytesView)
        guard let end = (0..<max(0, bytes.count - 3)).first(where: { bytes[$0..<($0 + 4)] == [13, 10, 13, 10] }) else {
            return nil
        }
        let lines = String(decoding: bytes[..<end], as: UTF8.self).split(separator: "\r\n")
        guard let statusLine = lines.first, let status = Int(statusLine.split(separator: " ")[1]) else { return nil }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            let parts = line.split(separator: ":", maxSplits: 1)
            headers[parts[0].lowercased()] = parts[1].trimmingCharacters(in: " ")
        }
        let length = Int(headers["content-length"] ?? "0")!
        guard bytes.count >= end + 4 + length else { return nil }
        buffer.moveReaderIndex(forwardBy: end + 4)
        let body = buffer.readSlice(length: length)!
        return RawHTTPResponse(status: status, headers: headers, body: body)
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in set: Character) -> String {
        String(drop { $0 == set }.reversed().drop { $0 == set }.reversed())
    }
}

struct TimedOut: Error {}

/// Runs `body`, failing with `TimedOut` after `limit`: no test waits forever. The body runs in its
/// own task, so that a wait which ignores cancellation cannot hold the test past the limit.
func withTimeout<T: Sendable>(_ limit: Duration = .seconds(10), _ body: @escaping @Sendable () async throws -> T)
    async throws -> T
{
    let resumed = Mutex(false)
    return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
        let finish: @Sendable (Result<T, any Error>) -> Void = { result in
            guard resumed.withLock({ done in defer { done = true }; return !done }) else { return }
            continuation.resume(with: result)
        }
        let work = Task {
            do { finish(.success(try await body())) } catch { finish(.failure(error)) }
        }
        Task {
            try? await Task.sleep(for: limit)
            finish(.failure(TimedOut()))
            work.cancel()
        }
    }
}
