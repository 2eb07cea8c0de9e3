public import NIOCore
import P2PWire

/// The body of every gateway response (`docs/gateway.md` §2.2): an outcome code and per-frame statuses.
public struct GatewayStatusBody: Hashable, Sendable {
    /// A frame of the batch that was not published, and why.
    public struct FrameStatus: Hashable, Sendable {
        /// Position of the frame in its batch, from 0.
        public let frameIndex: Int
        /// A per-frame code (709 unknown session, 710 frame expired), or any code a newer peer sends.
        public let code: Int

        public init(frameIndex: Int, code: Int) {
            self.frameIndex = frameIndex
            self.code = code
        }

        public init(frameIndex: Int, _ code: GatewayError.Code) {
            self.init(frameIndex: frameIndex, code: code.rawValue)
        }
    }

    public static let magic: UInt32 = 0x5032_5053  // "P2PS"
    public static let version: UInt8 = 1
    public static let headerSize = 12
    public static let entrySize = 8
    /// At most one entry per frame of the largest batch.
    public static let maximumEntries = BatchLimits.defaultMaximumFrameCount
    /// The longest status body; a client refuses a longer response body.
    public static let maximumLength = headerSize + entrySize * maximumEntries

    /// `0` when the request was accepted; otherwise a gateway (700–799) or wire (200–299) code.
    public let outcome: Int
    public let frameStatuses: [FrameStatus]

    public init(outcome: Int, frameStatuses: [FrameStatus] = []) {
        precondition(frameStatuses.count <= Self.maximumEntries, "more statuses than frames in a batch")
        self.outcome = outcome
        self.frameStatuses = frameStatuses
    }

    public static func accepted(_ frameStatuses: [FrameStatus] = []) -> GatewayStatusBody {
        GatewayStatusBody(outcome: 0, frameStatuses: frameStatuses)
    }

    public var encodedLength: Int { Self.headerSize + Self.entrySize * frameStatuses.count }

    public func encode(into buffer: inout ByteBuffer) {
        buffer.reserveCapacity(minimumWritableBytes: encodedLength)
        buffer.writeMultipleIntegers(
            Self.magic, Self.version, UInt8(0), UInt16(truncatingIfNeeded: outcome), UInt32(frameStatuses.count))
        for status in frameStatuses {
            buffer.writeMultipleIntegers(
                UInt32(truncatingIfNeeded: status.frameIndex), UInt16(truncatingIfNeeded: status.code), UInt16(0))
        }
    }

    /// Decodes a whole body; the entry count is checked against the bytes present and the maximum
    /// before anything is allocated.
    public static func decode(_ body: ByteBuffer) throws(GatewayError) -> GatewayStatusBody {
        var body = body
        guard body.readableBytes <= maximumLength,
            let (magic, version, reserved, outcome, count) = body.readMultipleIntegers(
                as: (UInt32, UInt8, UInt8, UInt16, UInt32).self)
        else { throw GatewayError(.malformedResponse, "\(body.readableBytes) bytes is not a status body") }
        guard magic == Self.magic, version == Self.version, reserved == 0 else {
            throw GatewayError(.malformedResponse, "bad status body header")
        }
        guard count <= maximumEntries, Int(count) * entrySize == body.readableBytes else {
            throw GatewayError(.malformedResponse, "\(count) entries in \(body.readableBytes) bytes")
        }
        var statuses: [FrameStatus] = []
        statuses.reserveCapacity(Int(count))
        for _ in 0..<count {
            let (index, code, _) = body.readMultipleIntegers(as: (UInt32, UInt16, UInt16).self)!
            statuses.append(FrameStatus(frameIndex: Int(index), code: Int(code)))
        }
        return GatewayStatusBody(outcome: Int(outcome), frameStatuses: statuses)
    }
}
