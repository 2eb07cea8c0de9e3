/// The session protocol modes an initiator supports (the InitiatorHello bitmask).
///
/// A valid set is non-empty and has no unknown bits; ``init(validating:)`` checks both.
public struct ProtocolModes: OptionSet, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let authenticationOnly = ProtocolModes(rawValue: ProtocolMode.authenticationOnly.rawValue)
    public static let authenticatedEncryption = ProtocolModes(
        rawValue: ProtocolMode.authenticatedEncryption.rawValue)
    /// Every mode this version knows.
    public static let known: ProtocolModes = [.authenticationOnly, .authenticatedEncryption]

    /// A bitmask from the wire: non-zero, only known bits.
    public init(validating rawValue: UInt8) throws(WireError) {
        guard rawValue != 0, rawValue & ~Self.known.rawValue == 0 else {
            throw WireError(.invalidSupportedModes, "bitmask \(rawValue)")
        }
        self.init(rawValue: rawValue)
    }

    public func contains(_ mode: ProtocolMode) -> Bool { contains(ProtocolModes(rawValue: mode.rawValue)) }
}

/// The one mode a responder selects (the ResponderHello byte): exactly one known bit.
public enum ProtocolMode: UInt8, Hashable, Sendable, CaseIterable {
    /// Messages are authenticated (MAC) but not encrypted.
    case authenticationOnly = 1
    /// Messages are authenticated and encrypted (AEAD).
    case authenticatedEncryption = 2

    /// A selected mode from the wire.
    public init(validating rawValue: UInt8) throws(WireError) {
        guard let mode = ProtocolMode(rawValue: rawValue) else {
            throw WireError(.invalidSelectedMode, "mode \(rawValue)")
        }
        self = mode
    }
}
