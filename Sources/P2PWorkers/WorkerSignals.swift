#if canImport(Glibc)
import Glibc
#endif
import Dispatch

/// How a worker waits to be told to stop: SIGINT or SIGTERM (handled, not fatal), or a time limit.
enum WorkerSignals {
    /// Returns on the first SIGINT or SIGTERM, or after `seconds` when given.
    static func waitForStop(seconds: Int?) async {
        signal(SIGINT, SIG_IGN)
        signal(SIGTERM, SIG_IGN)
        let (stops, continuation) = AsyncStream<Int32>.makeStream()
        let sources = [SIGINT, SIGTERM].map { number in
            let source = DispatchSource.makeSignalSource(signal: number)
            source.setEventHandler { continuation.yield(number) }
            source.resume()
            return source
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await _ in stops { return }
            }
            if let seconds { group.addTask { try? await Task.sleep(for: .seconds(seconds)) } }
            await group.next()
            group.cancelAll()
        }
        continuation.finish()
        for source in sources { source.cancel() }
    }
}
