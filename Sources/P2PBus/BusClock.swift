#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Where the bus reads the time for heartbeats, session timeouts, ack waits and de-duplication.
///
/// `now()` is a duration since the clock's origin. Injected so that tests advance time instead of
/// sleeping.
public protocol BusClock: Sendable {
    func now() -> Duration
}

/// Wall-clock time since the Unix epoch: comparable across processes and machines (with NTP).
public struct WallBusClock: BusClock {
    public init() {}
    public func now() -> Duration {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return .seconds(Int64(spec.tv_sec)) + .nanoseconds(Int64(spec.tv_nsec))
    }
}

/// A clock that moves only when told to: for tests.
public final class ManualBusClock: BusClock {
    private let current: Mutex<Duration>

    public init(start: Duration = .seconds(1_000)) {
        current = Mutex(start)
    }

    public func now() -> Duration { current.withLock { $0 } }

    public func advance(by duration: Duration) {
        current.withLock { $0 += duration }
    }
}
