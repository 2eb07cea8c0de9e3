import P2PCrypto

/// A SHA-256 hash as the network map names objects: 64 upper-case hex digits (Corda's `SecureHash`
/// text form), over an object's raw payload bytes.
public struct SecureHash: Hashable, Sendable, Comparable, Codable, CustomStringConvertible {
    public static let hexLength = 64

    /// 64 upper-case hex digits.
    public let hex: String

    /// Parses the text form, refusing anything but exactly 64 characters of `0-9A-F`.
    public init(_ text: some StringProtocol) throws(NetworkMapError) {
        guard text.utf8.count == Self.hexLength,
            text.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x41...0x46).contains($0) })
        else { throw NetworkMapError(.invalidHash, "a hash is 64 upper-case hex digits") }
        hex = String(text)
    }

    /// The hash of `bytes`.
    public init(of bytes: [UInt8]) {
        let digits = Array("0123456789ABCDEF".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(Self.hexLength)
        for byte in SHA256.hash(bytes) {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        hex = String(decoding: text, as: UTF8.self)
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do {
            self = try SecureHash(text)
        } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a hash: 64 upper-case hex digits"))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(hex)
    }

    public var description: String { hex }
    public static func < (lhs: SecureHash, rhs: SecureHash) -> Bool { lhs.hex < rhs.hex }
}
