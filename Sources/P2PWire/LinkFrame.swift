public import NIOCore

/// One link-manager message on the wire: a fixed 40-byte header and a body by type.
///
/// A frame is valid by construction: ``init(sessionID:sequenceNumber:timestamp:body:limits:)`` and
/// ``decode(from:limits:)`` apply the same checks, so ``encode(into:)`` cannot fail and never produces
/// a frame a peer with the same limits rejects. Decoded frames hold slices of the input buffer: no
/// payload byte is copied. See `docs/wire-format.md`, section 1.
public struct LinkFrame: Hashable, Sendable {
    /// What a frame carries, by type.
    public enum Body: Hashable, Sendable {
        case initiatorHello(InitiatorHello)
        case responderHello(ResponderHello)
        case initiatorHandshake(sealedPayload: ByteBuffer)
        case responderHandshake(sealedPayload: ByteBuffer)
        /// `expiry`: milliseconds since the Unix epoch, 0 = none.
        case data(expiry: UInt64, sealedPayload: ByteBuffer)
        case ack(sealedPayload: ByteBuffer)
        case heartbeat(sealedPayload: ByteBuffer)
        case unauthenticated(UnauthenticatedMessage)

        public var type: LinkFrameType {
            switch self {
            case .initiatorHello: .initiatorHello
            case .responderHello: .responderHello
            case .initiatorHandshake: .initiatorHandshake
            case .responderHandshake: .responderHandshake
            case .data: .data
            case .ack: .ack
            case .heartbeat: .heartbeat
            case .unauthenticated: .unauthenticated
            }
        }

        /// The body's size on the wire.
        public var encodedLength: Int {
            switch self {
            case .initiatorHello(let hello): hello.encodedLength
            case .responderHello(let hello): hello.encodedLength
            case .initiatorHandshake(let payload), .responderHandshake(let payload), .ack(let payload),
                .heartbeat(let payload):
                4 + payload.readableBytes
            case .data(_, let payload): 8 + 4 + payload.readableBytes
            case .unauthenticated(let message): message.encodedLength
            }
        }
    }

    public let header: LinkFrameHeader
    public let body: Body
    /// The exact 40 header bytes a decoded frame arrived with (a slice of the input).
    private let receivedHeaderBytes: ByteBuffer?

    /// A frame to send, checked against `limits`: field sizes, UTF-8 text, mode bitmasks, a zero
    /// session id for Unauthenticated, and the whole frame's length.
    public init(
        sessionID: SessionID, sequenceNumber: UInt64, timestamp: UInt64, body: Body,
        limits: FrameLimits = .default
    ) throws(WireError) {
        let header = LinkFrameHeader(
            type: body.type, sessionID: sessionID, sequenceNumber: sequenceNumber, timestamp: timestamp)
        try Self.validate(header: header, body: body, limits: limits)
        self.init(header: header, body: body, receivedHeaderBytes: nil)
    }

    /// A frame from the header whose ``LinkFrameHeader/associatedData(sealedPayloadLength:)`` sealed
    /// its payload. The header's type must be the body's (a programming error otherwise).
    public init(header: LinkFrameHeader, body: Body, limits: FrameLimits = .default) throws(WireError) {
        precondition(header.type == body.type, "header type \(header.type) for a \(body.type) body")
        try self.init(
            sessionID: header.sessionID, sequenceNumber: header.sequenceNumber, timestamp: header.timestamp,
            body: body, limits: limits)
    }

    init(header: LinkFrameHeader, body: Body, receivedHeaderBytes: ByteBuffer?) {
        self.header = header
        self.body = body
        self.receivedHeaderBytes = receivedHeaderBytes
    }

    public var type: LinkFrameType { header.type }

    /// When a Data or Unauthenticated frame expires, in milliseconds since the Unix epoch; `nil` when
    /// it never does (expiry 0) or its type has no expiry. A gateway reads it without decrypting.
    public var expiry: UInt64? {
        switch body {
        case .data(let expiry, _) where expiry != 0: expiry
        case .unauthenticated(let message) where message.expiry != 0: message.expiry
        default: nil
        }
    }

    /// Whether the frame has expired at `now` (milliseconds since the Unix epoch): the expiry is in
    /// the past. Frames without an expiry never expire.
    public func isExpired(nowMilliseconds now: UInt64) -> Bool {
        guard let expiry else { return false }
        return expiry <= now
    }

    /// The whole frame's size on the wire, the length field included.
    public var encodedLength: Int { LinkFrameHeader.size + body.encodedLength }

    /// The frame's 40 header bytes: for a decoded frame the exact bytes received (no copy), for a
    /// frame built here the bytes ``encode(into:)`` writes. This is the AEAD associated data.
    public var headerBytes: ByteBuffer {
        receivedHeaderBytes ?? header.bytes(bodyLength: body.encodedLength)
    }

    /// Frames are equal when their headers and bodies are, whether built or decoded.
    public static func == (lhs: LinkFrame, rhs: LinkFrame) -> Bool {
        lhs.header == rhs.header && lhs.body == rhs.body
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(header)
        hasher.combine(body)
    }
}

extension LinkFrame {
    /// The checks every frame passes, shared by the initialiser and (field by field) the decoder.
    static func validate(header: LinkFrameHeader, body: Body, limits: FrameLimits) throws(WireError) {
        switch body {
        case .initiatorHello(let hello):
            try WireReader.check(fixed: hello.ephemeralPublicKey, FrameLimits.publicKeyLength, "ephemeral public key")
            _ = try ProtocolModes(validating: hello.supportedModes.rawValue)
            try WireReader.check(fixed: hello.identityKeyHash, FrameLimits.identityKeyHashLength, "identity key hash")
            try WireReader.check(text: hello.groupID, "group id", 1...FrameLimits.maximumGroupIDLength)
        case .responderHello(let hello):
            try WireReader.check(fixed: hello.ephemeralPublicKey, FrameLimits.publicKeyLength, "ephemeral public key")
        case .initiatorHandshake(let payload), .responderHandshake(let payload), .ack(let payload),
            .heartbeat(let payload), .data(_, let payload):
            try WireReader.check(
                length: payload.readableBytes, "sealed payload", 0...limits.maximumPayloadLength(for: header.type))
        case .unauthenticated(let message):
            guard header.sessionID.isZero else { throw WireError(.sessionIDNotZero) }
            try WireReader.check(text: message.source, "source name", 1...FrameLimits.maximumX500NameLength)
            try WireReader.check(text: message.sourceGroupID, "source group id", 1...FrameLimits.maximumGroupIDLength)
            try WireReader.check(text: message.destination, "destination name", 1...FrameLimits.maximumX500NameLength)
            try WireReader.check(
                text: message.destinationGroupID, "destination group id", 1...FrameLimits.maximumGroupIDLength)
            try WireReader.check(text: message.messageID, "message id", 1...FrameLimits.maximumMessageIDLength)
            try WireReader.check(text: message.subsystem, "subsystem", 0...FrameLimits.maximumSubsystemLength)
            try WireReader.check(length: message.payload.readableBytes, "payload", 0...limits.maximumPayloadLength)
        }
        let frameLength = LinkFrameHeader.size + body.encodedLength
        guard frameLength <= limits.maximumFrameLength else {
            throw WireError(.frameTooLarge, "\(frameLength) bytes, maximum \(limits.maximumFrameLength)")
        }
    }
}
