import NIOCore
public import P2PWire

/// One frame to publish to `link.in`: its bytes, and where it goes.
public struct InboundRecord: Hashable, Sendable {
    /// Position of the frame in its batch.
    public let frameIndex: Int
    /// An explicit `link.in` partition, or `nil` to partition by `key`.
    public let partition: Int?
    public let key: [UInt8]
    /// The frame's exact encoding.
    public let value: [UInt8]

    public init(frameIndex: Int, partition: Int?, key: [UInt8], value: [UInt8]) {
        self.frameIndex = frameIndex
        self.partition = partition
        self.key = key
        self.value = value
    }
}

/// Routes inbound frames to the link manager that owns their session (`docs/gateway.md` §3).
/// A pure function: the session mapping, the time and the randomness are inputs.
public enum InboundRouter {
    public struct Routing: Hashable, Sendable {
        public var records: [InboundRecord] = []
        public var frameStatuses: [GatewayStatusBody.FrameStatus] = []
    }

    /// Length of the random key of an Unauthenticated frame.
    public static let randomKeyLength = 16

    /// - Parameters:
    ///   - partitions: the `link.in` partitions of the link manager hosting a session
    ///     (`session.out.partitions`), or `nil` when the session is unknown.
    ///   - nowMilliseconds: the time, in milliseconds since the Unix epoch, that expiries are compared with.
    public static func route(
        _ frames: [LinkFrame], nowMilliseconds: UInt64, partitions: (SessionID) -> [Int]?,
        using generator: inout some RandomNumberGenerator
    ) -> Routing {
        var routing = Routing()
        routing.records.reserveCapacity(frames.count)
        var scratch = ByteBuffer()  // one encoding buffer for the whole batch, reused per frame
        for (index, frame) in frames.enumerated() {
            if frame.isExpired(nowMilliseconds: nowMilliseconds) {
                routing.frameStatuses.append(.init(frameIndex: index, .frameExpired))
                continue
            }
            let key: [UInt8]
            var partition: Int?
            switch frame.type {
            case .unauthenticated:
                key = (0..<randomKeyLength).map { _ in UInt8.random(in: 0...255, using: &generator) }
            case .initiatorHello:
                key = frame.header.sessionID.bytes
            default:
                guard let owned = partitions(frame.header.sessionID), !owned.isEmpty else {
                    routing.frameStatuses.append(.init(frameIndex: index, .unknownSession))
                    continue
                }
                key = frame.header.sessionID.bytes
                partition = owned[Int.random(in: 0..<owned.count, using: &generator)]
            }
            scratch.clear()
            frame.encode(into: &scratch)
            routing.records.append(
                InboundRecord(frameIndex: index, partition: partition, key: key, value: Array(scratch.readableBytesView)))
        }
        return routing
    }
}
