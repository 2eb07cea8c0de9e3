import P2PWire

/// The record types of `docs/app-records.md` and their shared version.
public enum AppRecordType: UInt8, Sendable, Hashable, CaseIterable {
    case authenticatedMessage = 0x01
    case unauthenticatedMessage = 0x02
    case deliveryStatus = 0x03
    case deliveryMarker = 0x04
    case sealedDataPayload = 0x10
    case ackPayload = 0x11
    case heartbeatPayload = 0x12

    /// The version every record of this schema carries.
    public static let version: UInt8 = 1

    /// The type of an encoded record, from its first byte.
    public static func of(_ bytes: [UInt8]) throws(LinkManagerError) -> AppRecordType {
        guard let first = bytes.first else { throw LinkManagerError(.truncated, "empty record") }
        guard let type = AppRecordType(rawValue: first) else {
            throw LinkManagerError(.unknownRecordType, "0x\(String(first, radix: 16))")
        }
        return type
    }
}

/// Bounds of the app-facing records, checked before anything is allocated.
public struct AppRecordLimits: Hashable, Sendable {
    /// An X.500 name's canonical string, in UTF-8 bytes.
    public static let maximumX500NameLength = FrameLimits.maximumX500NameLength
    /// A group id, in UTF-8 bytes.
    public static let maximumGroupIDLength = FrameLimits.maximumGroupIDLength
    /// A message id, in UTF-8 bytes.
    public static let maximumMessageIDLength = FrameLimits.maximumMessageIDLength
    /// A trace id, in UTF-8 bytes.
    public static let maximumTraceIDLength = 128
    /// A subsystem name, in UTF-8 bytes (the wire format's bound).
    public static let maximumSubsystemLength = FrameLimits.maximumSubsystemLength
    /// A bus record key (`BusRecord.maximumKeyLength`).
    public static let maximumKeyLength = 1024
    /// No configuration raises the payload bound above 16 MiB.
    public static let absoluteMaximumPayloadLength = FrameLimits.absoluteMaximumFrameLength
    /// Corda's default maximum message size.
    public static let defaultMaximumPayloadLength = FrameLimits.cordaDefaultMaximumMessageSize

    public static let `default` = AppRecordLimits()

    /// The largest application payload, clamped to ``absoluteMaximumPayloadLength``.
    public let maximumPayloadLength: Int

    public init(maximumPayloadLength: Int = AppRecordLimits.defaultMaximumPayloadLength) {
        self.maximumPayloadLength = max(0, min(maximumPayloadLength, Self.absoluteMaximumPayloadLength))
    }
}
