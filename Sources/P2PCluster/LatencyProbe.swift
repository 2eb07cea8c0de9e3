import P2PIdentity
import P2PLinkManager

/// End-to-end latency from each message's intended send time, as the demo, the distributed measurements and
/// the benchmark suites take it: the sender writes the intended time (nanoseconds after a shared origin,
/// big-endian) into the first 8 payload bytes; the receiver subtracts it from the arrival time.
public enum LatencyProbe {
    /// The payload bytes the probe needs at least.
    public static let headerBytes = 8

    /// A payload of `size` bytes (at least ``headerBytes``) filled with 0x5A, the first 8 holding `intended`.
    public static func payload(size: Int, intended: Duration) -> [UInt8] {
        var payload = [UInt8](repeating: 0x5A, count: max(size, headerBytes))
        let nanoseconds = UInt64(max(0, intended.components.seconds * 1_000_000_000 + intended.components.attoseconds / 1_000_000_000))
        for index in 0..<headerBytes { payload[index] = UInt8(truncatingIfNeeded: nanoseconds >> (56 - 8 * UInt64(index))) }
        return payload
    }

    /// The intended send time a ``payload(size:intended:)`` carries.
    public static func intended(_ payload: [UInt8]) -> Duration {
        var nanoseconds: UInt64 = 0
        for byte in payload.prefix(headerBytes) { nanoseconds = nanoseconds << 8 | UInt64(byte) }
        return .nanoseconds(Int64(truncatingIfNeeded: nanoseconds))
    }

    /// What ``collect(from:count:origin:timeout:)`` saw.
    public struct Collected: Sendable {
        /// One per distinct message id, sorted.
        public var latencies: [Duration]
        /// Copies of message ids already seen, including those arriving in the half second after the last.
        public var duplicates: Int
        /// When the last distinct message arrived.
        public var last: ContinuousClock.Instant
    }

    /// Receives authenticated messages from `receiver` until `count` distinct ids arrived or `timeout` passed,
    /// then listens half a second more for late copies.
    public static func collect(
        from receiver: ClusterApplication, count: Int, origin: ContinuousClock.Instant, timeout: Duration
    ) async throws -> Collected {
        let clock = ContinuousClock()
        var seen = Set<String>()
        var collected = Collected(latencies: [], duplicates: 0, last: clock.now)
        let deadline = clock.now + timeout
        while seen.count < count, clock.now < deadline {
            for case .authenticated(let received) in try await receiver.receive(timeout: .milliseconds(50)) {
                let arrival = clock.now
                guard seen.insert(received.header.messageID.value).inserted else {
                    collected.duplicates += 1
                    continue
                }
                collected.latencies.append(arrival - (origin + intended(received.payload)))
                collected.last = arrival
            }
        }
        for case .authenticated(let received) in try await receiver.receive(timeout: .milliseconds(500)) {
            if !seen.insert(received.header.messageID.value).inserted { collected.duplicates += 1 }
        }
        collected.latencies.sort()
        return collected
    }
}
