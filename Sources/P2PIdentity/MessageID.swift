/// The identifier of one application message, unique per sender.
///
/// A message id is 1 to ``maximumLength`` UTF-8 bytes without control characters. Ids this
/// package makes (``random()``) are random version-4 UUIDs in lower-case text form.
public struct MessageID: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The longest message id, in UTF-8 bytes; it fits a one-byte length field.
    public static let maximumLength = 255

    public let value: String

    public init(_ value: String) throws(IdentityError) {
        let length = value.utf8.count
        guard length > 0 else { throw IdentityError(.emptyMessageID) }
        guard length <= Self.maximumLength else {
            throw IdentityError(.messageIDTooLong, "longer than \(Self.maximumLength) UTF-8 bytes")
        }
        guard !value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw IdentityError(.invalidMessageIDCharacter, "control characters are not allowed")
        }
        self.value = value
    }

    /// A new random id from the system's cryptographically secure generator.
    public static func random() -> MessageID {
        var generator = SystemRandomNumberGenerator()
        return random(using: &generator)
    }

    /// A random version-4 UUID (122 random bits) from `generator`, e.g.
    /// `3f2a9c1e-7b4d-4e8f-9a6b-0c1d2e3f4a5b`.
    public static func random<G: RandomNumberGenerator>(using generator: inout G) -> MessageID {
        var bytes = (0..<2).flatMap { _ in withUnsafeBytes(of: generator.next() as UInt64) { Array($0) } }
        bytes[6] = bytes[6] & 0x0F | 0x40  // version 4
        bytes[8] = bytes[8] & 0x3F | 0x80  // RFC 9562 variant
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(36)
        for (offset, byte) in bytes.enumerated() {
            if offset == 4 || offset == 6 || offset == 8 || offset == 10 { text.append(UInt8(ascii: "-")) }
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        // 36 ASCII characters: always a valid id.
        return MessageID(unchecked: String(decoding: text, as: UTF8.self))
    }

    private init(unchecked value: String) { self.value = value }

    public var description: String { value }

    public static func < (lhs: MessageID, rhs: MessageID) -> Bool { lhs.value < rhs.value }
}

extension MessageID: Codable {
    /// Decodes a string, validating it.
    public init(from decoder: any Decoder) throws {
        self = try IdentityError.decodeString(from: decoder) { (string) throws(IdentityError) in try MessageID(string) }
    }

    public func encode(to encoder: any Encoder) throws { try IdentityError.encodeString(value, to: encoder) }
}
