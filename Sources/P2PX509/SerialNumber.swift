import COpenSSL

/// A certificate serial number: a positive integer of at most 20 bytes, kept big-endian without leading zeros.
public struct SerialNumber: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let bytes: [UInt8]

    public init(_ value: UInt64) {
        var bytes: [UInt8] = []
        var rest = value
        repeat {
            bytes.insert(UInt8(truncatingIfNeeded: rest), at: 0)
            rest >>= 8
        } while rest > 0
        self.bytes = bytes
    }

    public init(bytes: [UInt8]) throws(X509Error) {
        let trimmed = Array(bytes.drop { $0 == 0 })
        guard !trimmed.isEmpty, trimmed.count <= X509Limits.maximumSerialNumberLength else {
            throw X509Error(.invalidSerialNumber, "\(bytes.count) bytes")
        }
        self.bytes = trimmed
    }

    /// Parses hexadecimal (upper or lower case, optional `0x`, optional `:` separators).
    public init(hex: String) throws(X509Error) {
        var digits = Substring(hex.lowercased())
        if digits.hasPrefix("0x") { digits = digits.dropFirst(2) }
        let clean = digits.filter { $0 != ":" }
        guard !clean.isEmpty, clean.count <= 2 * X509Limits.maximumSerialNumberLength + 2,
            clean.allSatisfy({ $0.isHexDigit })
        else { throw X509Error(.invalidSerialNumber, "not hexadecimal") }
        let padded = clean.count % 2 == 0 ? String(clean) : "0" + clean
        var bytes: [UInt8] = []
        var index = padded.startIndex
        while index < padded.endIndex {
            let next = padded.index(index, offsetBy: 2)
            bytes.append(UInt8(padded[index..<next], radix: 16)!)
            index = next
        }
        try self.init(bytes: bytes)
    }

    /// A fresh random serial of 16 bytes (positive, never zero).
    public static func random() -> SerialNumber {
        var bytes = [UInt8](repeating: 0, count: 16)
        repeat {
            precondition(RAND_bytes(&bytes, Int32(bytes.count)) == 1, "RAND_bytes failed")
            bytes[0] &= 0x7F
        } while bytes.allSatisfy { $0 == 0 }
        return try! SerialNumber(bytes: bytes)
    }

    /// Upper-case hexadecimal, as `openssl` prints serials.
    public var hex: String {
        bytes.map { let s = String($0, radix: 16, uppercase: true); return $0 < 16 ? "0" + s : s }.joined()
    }

    public var description: String { hex }

    public static func < (lhs: SerialNumber, rhs: SerialNumber) -> Bool {
        lhs.bytes.count != rhs.bytes.count ? lhs.bytes.count < rhs.bytes.count : lhs.bytes.lexicographicallyPrecedes(rhs.bytes)
    }

    /// A new `ASN1_INTEGER` the caller owns.
    func makeASN1Integer() throws(X509Error) -> UnsafeMutablePointer<ASN1_INTEGER> {
        guard let bignum = BN_bin2bn(bytes, Int32(bytes.count), nil) else { throw X509Error(.invalidSerialNumber) }
        defer { BN_free(bignum) }
        guard let integer = BN_to_ASN1_INTEGER(bignum, nil) else { throw X509Error(.invalidSerialNumber) }
        return integer
    }

    init(borrowing integer: UnsafePointer<ASN1_INTEGER>) throws(X509Error) {
        guard let bignum = ASN1_INTEGER_to_BN(integer, nil) else { throw X509Error(.invalidSerialNumber) }
        defer { BN_free(bignum) }
        guard BN_is_negative(bignum) == 0 else { throw X509Error(.invalidSerialNumber, "negative") }
        let count = Int((BN_num_bits(bignum) + 7) / 8)
        guard count > 0 else { throw X509Error(.invalidSerialNumber, "zero") }
        var bytes = [UInt8](repeating: 0, count: count)
        _ = BN_bn2bin(bignum, &bytes)
        try self.init(bytes: bytes)
    }
}
