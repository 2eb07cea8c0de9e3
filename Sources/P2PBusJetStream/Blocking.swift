import Dispatch
import P2PBus

/// Runs nats.c calls that block (requests, lease reads, connects) off Swift's cooperative threads;
/// pull fetches have threads of their own (`PartitionFetcher`).
enum Blocking {
    static let queue = DispatchQueue(label: "p2p.bus.nats.blocking", attributes: .concurrent)

    static func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: body()) }
        }
    }

    static func run<T: Sendable>(_ body: @escaping @Sendable () throws(BusError) -> T) async throws(BusError) -> T {
        let result: Result<T, BusError> = await run { () -> Result<T, BusError> in
            Result(catching: body)
        }
        return try result.get()
    }
}
