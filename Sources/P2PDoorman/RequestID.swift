/// A certificate request's id: 16 bytes from the system's cryptographic random source, written as
/// 32 lower-case hex characters. Knowing an id is what lets a client poll its request.
public struct RequestID: Hashable, Sendable, Comparable, CustomStringConvertible, Codable {
    /// The number of random bytes.
    public static let byteCount = 16

    public let description: String

    /// A fresh random id.
    public static func random() -> RequestID {
        // SystemRandomNumberGenerator reads getrandom(2) on Linux: cryptographically secure.
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<byteCount).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return RequestID(unchecked: bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined())
    }

    private init(unchecked text: String) { description = text }

    /// Parses the text form; nil for anything but exactly 32 lower-case hex characters.
    public init?(_ text: some StringProtocol) {
        guard text.utf8.count == Self.byteCount * 2,
            text.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) })
        else { return nil }
        description = String(text)
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let id = RequestID(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "request id"))
        }
        self = id
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    public static func < (lhs: RequestID, rhs: RequestID) -> Bool { lhs.description < rhs.description }
}
