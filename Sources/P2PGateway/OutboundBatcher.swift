public import NIOCore
public import P2PWire

/// Coalesces outbound link frames for the same destination into batches (`docs/gateway.md` §6).
/// Pure: time is a parameter; the caller encodes and sends each returned batch.
public struct OutboundBatcher<Destination: Hashable & Sendable> {
    public typealias Limits = OutboundBatcherLimits

    /// Frames to send together to one destination.
    public struct Batch: Sendable {
        public let destination: Destination
        public let frames: [LinkFrame]
    }

    private struct Pending {
        var frames: [LinkFrame]
        var bytes: Int
        let since: NIODeadline
    }

    public let limits: Limits
    private var pending: [Destination: Pending] = [:]

    public init(limits: Limits = .init()) {
        self.limits = limits
    }

    public var pendingDestinations: Int { pending.count }

    /// Adds a frame; returns the batches that are now complete.
    public mutating func add(_ frame: LinkFrame, for destination: Destination, now: NIODeadline) -> [Batch] {
        var ready: [Batch] = []
        let size = frame.encodedLength
        if var current = pending[destination] {
            if current.bytes + size > limits.maximumBytes {
                ready.append(Batch(destination: destination, frames: current.frames))
                pending[destination] = nil
            } else {
                current.frames.append(frame)
                current.bytes += size
                pending[destination] = nil  // keep `current` uniquely referenced
                if current.frames.count >= limits.maximumFrames {
                    ready.append(Batch(destination: destination, frames: current.frames))
                } else {
                    pending[destination] = current
                }
                return ready
            }
        }
        if pending.count >= limits.maximumDestinations, let oldest = pending.min(by: { $0.value.since < $1.value.since }) {
            ready.append(Batch(destination: oldest.key, frames: oldest.value.frames))
            pending[oldest.key] = nil
        }
        if size >= limits.maximumBytes || limits.maximumFrames == 1 {
            ready.append(Batch(destination: destination, frames: [frame]))
        } else {
            pending[destination] = Pending(frames: [frame], bytes: size, since: now)
        }
        return ready
    }

    /// Returns the batches whose oldest frame has waited `maximumLatency`.
    public mutating func tick(now: NIODeadline) -> [Batch] {
        let due = pending.filter { $0.value.since + limits.maximumLatency <= now }
        for key in due.keys { pending[key] = nil }
        return due.sorted { $0.value.since < $1.value.since }.map { Batch(destination: $0.key, frames: $0.value.frames) }
    }

    /// Returns every pending batch (on shutdown).
    public mutating func flushAll() -> [Batch] {
        defer { pending.removeAll() }
        return pending.sorted { $0.value.since < $1.value.since }.map { Batch(destination: $0.key, frames: $0.value.frames) }
    }

    /// When `tick` must next be called, if at all.
    public var nextDeadline: NIODeadline? {
        pending.values.map(\.since).min().map { $0 + limits.maximumLatency }
    }
}

/// The bounds of an `OutboundBatcher`.
public struct OutboundBatcherLimits: Hashable, Sendable {
    public static let defaultMaximumFrames = 1024
    public static let defaultMaximumBytes = 1024 * 1024
    public static let defaultMaximumLatency = TimeAmount.milliseconds(5)
    public static let defaultMaximumDestinations = 1024

    public var maximumFrames: Int
    /// Encoded frame bytes per batch; a single larger frame travels alone.
    public var maximumBytes: Int
    public var maximumLatency: TimeAmount
    public var maximumDestinations: Int

    public init(
        maximumFrames: Int = OutboundBatcherLimits.defaultMaximumFrames, maximumBytes: Int = OutboundBatcherLimits.defaultMaximumBytes,
        maximumLatency: TimeAmount = OutboundBatcherLimits.defaultMaximumLatency,
        maximumDestinations: Int = OutboundBatcherLimits.defaultMaximumDestinations
    ) {
        self.maximumFrames = min(max(maximumFrames, 1), BatchLimits.defaultMaximumFrameCount)
        self.maximumBytes = min(max(maximumBytes, 1), BatchLimits.defaultMaximumUncompressedLength)
        self.maximumLatency = maximumLatency
        self.maximumDestinations = max(maximumDestinations, 1)
    }
}
