import P2PIdentity

/// Reads the fields of `docs/app-records.md` from the front of a byte array. Every length is
/// checked against its bound and against the bytes left before anything is sliced or allocated.
struct RecordReader {
    let bytes: [UInt8]
    private(set) var index: Int
    /// Swapped in by decoders given a cache (`swap`, so it is never copied).
    var cache: IdentityCache?

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        index = 0
    }

    var remaining: Int { bytes.count - index }

    mutating func take(_ count: Int, _ field: String) throws(LinkManagerError) -> ArraySlice<UInt8> {
        guard count <= remaining else {
            throw LinkManagerError(.truncated, "\(field): needs \(count) bytes, \(remaining) left")
        }
        defer { index += count }
        return bytes[index..<index + count]
    }

    mutating func u8(_ field: String) throws(LinkManagerError) -> UInt8 {
        try take(1, field).first!
    }

    mutating func u16(_ field: String) throws(LinkManagerError) -> Int {
        let s = try take(2, field)
        return Int(s[s.startIndex]) << 8 | Int(s[s.startIndex + 1])
    }

    mutating func u32(_ field: String) throws(LinkManagerError) -> Int {
        var value = 0
        for byte in try take(4, field) { value = value << 8 | Int(byte) }
        return value
    }

    mutating func u64(_ field: String) throws(LinkManagerError) -> UInt64 {
        var value: UInt64 = 0
        for byte in try take(8, field) { value = value << 8 | UInt64(byte) }
        return value
    }

    /// A length-prefixed byte field whose length must be in `range`.
    mutating func lengthPrefixed(
        prefixBytes: Int, _ range: ClosedRange<Int>, _ field: String
    ) throws(LinkManagerError) -> ArraySlice<UInt8> {
        let count: Int
        switch prefixBytes {
        case 1: count = Int(try u8(field))
        case 2: count = try u16(field)
        default: count = try u32(field)
        }
        guard count <= range.upperBound else {
            throw LinkManagerError(.fieldTooLarge, "\(field): \(count) bytes > \(range.upperBound)")
        }
        guard count >= range.lowerBound else {
            throw LinkManagerError(.fieldTooShort, "\(field): \(count) bytes < \(range.lowerBound)")
        }
        return try take(count, field)
    }

    mutating func text(prefixBytes: Int, _ range: ClosedRange<Int>, _ field: String) throws(LinkManagerError) -> String {
        let slice = try lengthPrefixed(prefixBytes: prefixBytes, range, field)
        guard let string = String(validating: slice, as: UTF8.self) else {
            throw LinkManagerError(.invalidUTF8, field)
        }
        return string
    }

    mutating func identity(_ field: String) throws(LinkManagerError) -> HoldingIdentity {
        let name = try lengthPrefixed(prefixBytes: 2, 1...AppRecordLimits.maximumX500NameLength, "\(field) name")
        let group = try lengthPrefixed(prefixBytes: 1, 1...AppRecordLimits.maximumGroupIDLength, "\(field) group id")
        guard cache != nil else { return try Self.parseIdentity(name: name, group: group, field) }
        return try cache!.identity(name: name, group: group, field)
    }

    /// Validates and parses an identity's name and group id bytes.
    static func parseIdentity(
        name: ArraySlice<UInt8>, group: ArraySlice<UInt8>, _ field: String
    ) throws(LinkManagerError) -> HoldingIdentity {
        guard let nameText = String(validating: name, as: UTF8.self) else {
            throw LinkManagerError(.invalidUTF8, "\(field) name")
        }
        guard let groupText = String(validating: group, as: UTF8.self) else {
            throw LinkManagerError(.invalidUTF8, "\(field) group id")
        }
        do {
            return HoldingIdentity(name: try X500Name(nameText), groupID: try GroupID(groupText))
        } catch {
            throw LinkManagerError(.invalidIdentity, "\(field): \(error.code)")
        }
    }

    mutating func messageID(_ field: String = "message id") throws(LinkManagerError) -> MessageID {
        let text = try text(prefixBytes: 1, 1...AppRecordLimits.maximumMessageIDLength, field)
        do {
            return try MessageID(text)
        } catch {
            throw LinkManagerError(.invalidIdentity, "\(field): \(error.code)")
        }
    }

    /// Reads and checks the two-byte record header.
    mutating func header(expecting type: AppRecordType) throws(LinkManagerError) {
        let rawType = try u8("record type")
        guard rawType == type.rawValue else {
            throw LinkManagerError(.unknownRecordType, "expected 0x\(String(type.rawValue, radix: 16)), got 0x\(String(rawType, radix: 16))")
        }
        let version = try u8("record version")
        guard version == AppRecordType.version else {
            throw LinkManagerError(.unsupportedRecordVersion, "version \(version)")
        }
    }

    func finish() throws(LinkManagerError) {
        guard remaining == 0 else { throw LinkManagerError(.trailingBytes, "\(remaining) bytes after the last field") }
    }
}

extension RecordReader {
    /// Runs `body` on a reader of `bytes` that uses `cache` (swapped in and back, never copied).
    static func reading<T>(
        _ bytes: [UInt8], cache: inout IdentityCache, _ body: (inout RecordReader) throws(LinkManagerError) -> T
    ) throws(LinkManagerError) -> T {
        var reader = RecordReader(bytes)
        reader.cache = IdentityCache(capacity: 1)
        swap(&reader.cache!, &cache)
        defer { swap(&reader.cache!, &cache) }
        return try body(&reader)
    }
}
