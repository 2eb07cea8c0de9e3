/// How data messages are protected once the session is established.
public enum ProtocolMode: UInt8, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Plaintext payload plus a 16-byte ChaCha20-Poly1305 tag over header and payload (empty plaintext).
    case authenticationOnly = 0x01
    /// ChaCha20-Poly1305-IETF over the payload, with the header as associated data.
    case authenticatedEncryption = 0x02

    /// Higher is stronger; the responder picks the strongest common mode.
    var strength: Int {
        switch self {
        case .authenticationOnly: 1
        case .authenticatedEncryption: 2
        }
    }

    public var description: String {
        switch self {
        case .authenticationOnly: "AUTHENTICATION_ONLY"
        case .authenticatedEncryption: "AUTHENTICATED_ENCRYPTION"
        }
    }
}

/// A set of protocol modes, carried as a bitmask byte.
public struct ProtocolModes: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let authenticationOnly = ProtocolModes(rawValue: ProtocolMode.authenticationOnly.rawValue)
    public static let authenticatedEncryption = ProtocolModes(rawValue: ProtocolMode.authenticatedEncryption.rawValue)
    public static let all: ProtocolModes = [.authenticationOnly, .authenticatedEncryption]

    public init(_ mode: ProtocolMode) { self.init(rawValue: mode.rawValue) }

    public func contains(_ mode: ProtocolMode) -> Bool { contains(ProtocolModes(mode)) }

    /// The strongest mode in the set, if any.
    public var strongest: ProtocolMode? {
        ProtocolMode.allCases.filter { contains($0) }.max { $0.strength < $1.strength }
    }

    /// Whether the set is non-empty and has only defined bits.
    var isValid: Bool { !isEmpty && ProtocolModes.all.isSuperset(of: self) }
}
