/// The bounds a link-frame codec enforces, checked before anything is allocated or sliced.
///
/// The constants are fixed by the wire format; the stored limits are configurable and clamped to
/// ``absoluteMaximumFrameLength``. See `docs/wire-format.md`, section 1.3.
public struct FrameLimits: Hashable, Sendable {
    // MARK: Constants of the format

    /// The smallest frame: the 40-byte fixed header with an empty body.
    public static let minimumFrameLength = LinkFrameHeader.size
    /// No configuration raises a frame above 16 MiB.
    public static let absoluteMaximumFrameLength = 16 * 1024 * 1024
    /// An X25519 public key.
    public static let publicKeyLength = 32
    /// A SHA-256 hash of an identity key.
    public static let identityKeyHashLength = 32
    /// A group id, in UTF-8 bytes (the same bound as `GroupID.maximumLength`).
    public static let maximumGroupIDLength = 128
    /// An X.500 name, in UTF-8 bytes.
    public static let maximumX500NameLength = 1024
    /// A message id, in UTF-8 bytes.
    public static let maximumMessageIDLength = 255
    /// A subsystem name, in UTF-8 bytes.
    public static let maximumSubsystemLength = 64

    // MARK: Defaults

    /// Corda's default maximum message size, in bytes.
    public static let cordaDefaultMaximumMessageSize = 1_000_000
    /// Room for the link manager's envelope around an application message (header, names, AEAD tag).
    public static let envelopeAllowance = 64 * 1024
    /// 1,000,000 + 64 KiB.
    public static let defaultMaximumPayloadLength = cordaDefaultMaximumMessageSize + envelopeAllowance
    /// 1 MiB + 64 KiB: the largest payload plus the largest Unauthenticated header.
    public static let defaultMaximumFrameLength = 1024 * 1024 + 64 * 1024
    /// 16 KiB.
    public static let defaultMaximumHandshakePayloadLength = 16 * 1024
    /// 64 KiB.
    public static let defaultMaximumControlPayloadLength = 64 * 1024

    public static let `default` = FrameLimits()

    // MARK: Configurable limits

    /// The largest whole frame, the 4-byte length field included.
    public let maximumFrameLength: Int
    /// The largest Data sealed payload or Unauthenticated payload.
    public let maximumPayloadLength: Int
    /// The largest InitiatorHandshake or ResponderHandshake sealed payload.
    public let maximumHandshakePayloadLength: Int
    /// The largest Ack or Heartbeat sealed payload.
    public let maximumControlPayloadLength: Int

    /// Limits, each clamped to `minimumFrameLength...absoluteMaximumFrameLength` (payloads to `0...`).
    public init(
        maximumFrameLength: Int = FrameLimits.defaultMaximumFrameLength,
        maximumPayloadLength: Int = FrameLimits.defaultMaximumPayloadLength,
        maximumHandshakePayloadLength: Int = FrameLimits.defaultMaximumHandshakePayloadLength,
        maximumControlPayloadLength: Int = FrameLimits.defaultMaximumControlPayloadLength
    ) {
        func clamp(_ value: Int, _ minimum: Int) -> Int {
            min(max(value, minimum), Self.absoluteMaximumFrameLength)
        }
        self.maximumFrameLength = clamp(maximumFrameLength, Self.minimumFrameLength)
        self.maximumPayloadLength = clamp(maximumPayloadLength, 0)
        self.maximumHandshakePayloadLength = clamp(maximumHandshakePayloadLength, 0)
        self.maximumControlPayloadLength = clamp(maximumControlPayloadLength, 0)
    }

    /// The payload bound for a frame type with a sealed or opaque payload.
    func maximumPayloadLength(for type: LinkFrameType) -> Int {
        switch type {
        case .initiatorHandshake, .responderHandshake: maximumHandshakePayloadLength
        case .ack, .heartbeat: maximumControlPayloadLength
        case .data, .unauthenticated, .initiatorHello, .responderHello: maximumPayloadLength
        }
    }
}
