#if canImport(Glibc)
import Glibc
#endif

/// The simulator's time source: microseconds since the Unix epoch (injected so tests control time).
public typealias SimulatorClock = @Sendable () -> UInt64

/// Wall-clock time in microseconds since the Unix epoch (`CLOCK_REALTIME`): sender and receiver on
/// different hosts compare it, so it must be the synchronised clock, not a monotonic one.
public let simulatorWallClock: SimulatorClock = {
    var time = timespec()
    clock_gettime(CLOCK_REALTIME, &time)
    return UInt64(max(0, time.tv_sec)) * 1_000_000 + UInt64(max(0, time.tv_nsec)) / 1000
}
