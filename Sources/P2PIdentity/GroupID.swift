/// The identifier of an application network (a membership group).
///
/// Group ids are opaque, case-sensitive strings of 1 to ``maximumLength`` UTF-8 bytes
/// made of letters, digits and `-_.:` (a UUID fits).
public struct GroupID: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The longest group id, in UTF-8 bytes; it fits the one-byte length field of the wire format.
    public static let maximumLength = 128

    public let value: String

    public init(_ value: String) throws(IdentityError) {
        let utf8 = value.utf8
        guard !utf8.isEmpty else { throw IdentityError(.emptyGroupID) }
        guard utf8.count <= Self.maximumLength else { throw IdentityError(.groupIDTooLong) }
        for byte in utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"),
                UInt8(ascii: "."), UInt8(ascii: ":"):
                continue
            default:
                throw IdentityError(.invalidGroupIDCharacter)
            }
        }
        self.value = value
    }

    public var description: String { value }

    public static func < (lhs: GroupID, rhs: GroupID) -> Bool { lhs.value < rhs.value }
}

extension GroupID: Codable {
    /// Decodes a string, validating it.
    public init(from decoder: any Decoder) throws {
        self = try IdentityError.decodeString(from: decoder) { (string) throws(IdentityError) in try GroupID(string) }
    }

    public func encode(to encoder: any Encoder) throws { try IdentityError.encodeString(value, to: encoder) }
}
