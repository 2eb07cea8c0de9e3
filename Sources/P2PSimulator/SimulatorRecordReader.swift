/// Reads the big-endian fields of the simulator's records (`docs/simulator.md`, Records). Every
/// length is checked against its bound and against the bytes left before anything is allocated.
struct SimulatorRecordReader {
    let bytes: [UInt8]
    /// The code thrown for anything malformed (payload or event).
    let malformed: SimulatorError.Code
    private(set) var index = 0

    init(_ bytes: [UInt8], malformed: SimulatorError.Code) {
        self.bytes = bytes
        self.malformed = malformed
    }

    var remaining: Int { bytes.count - index }

    mutating func take(_ count: Int, _ field: String) throws(SimulatorError) -> ArraySlice<UInt8> {
        guard count <= remaining else {
            throw SimulatorError(malformed, "\(field): needs \(count) bytes, \(remaining) left")
        }
        defer { index += count }
        return bytes[index..<index + count]
    }

    mutating func u8(_ field: String) throws(SimulatorError) -> UInt8 {
        try take(1, field).first!
    }

    mutating func u64(_ field: String) throws(SimulatorError) -> UInt64 {
        var value: UInt64 = 0
        for byte in try take(8, field) { value = value << 8 | UInt64(byte) }
        return value
    }

    /// The type and version bytes every record starts with.
    mutating func header(type: UInt8, version: UInt8, _ record: String) throws(SimulatorError) {
        let actualType = try u8("\(record) type")
        guard actualType == type else { throw SimulatorError(malformed, "type 0x\(String(actualType, radix: 16)), not a \(record)") }
        let actualVersion = try u8("\(record) version")
        guard actualVersion == version else {
            throw SimulatorError(.unsupportedVersion, "\(record) version \(actualVersion), this build reads \(version)")
        }
    }

    /// A byte count of `prefixBytes` (1 or 4) bytes, then that many bytes; the count must be in `range`.
    mutating func lengthPrefixed(prefixBytes: Int, _ range: ClosedRange<Int>, _ field: String) throws(SimulatorError) -> ArraySlice<UInt8> {
        var count = 0
        for byte in try take(prefixBytes, field) { count = count << 8 | Int(byte) }
        guard range.contains(count) else { throw SimulatorError(malformed, "\(field): \(count) bytes not in \(range)") }
        return try take(count, field)
    }

    /// `u8-text(range)`: UTF-8 text with a one-byte count.
    mutating func text(_ range: ClosedRange<Int>, _ field: String) throws(SimulatorError) -> String {
        let slice = try lengthPrefixed(prefixBytes: 1, range, field)
        guard let text = String(validating: slice, as: UTF8.self) else { throw SimulatorError(malformed, "\(field): not UTF-8") }
        return text
    }

    func finish(_ record: String) throws(SimulatorError) {
        guard remaining == 0 else { throw SimulatorError(malformed, "\(remaining) bytes after the \(record)") }
    }
}

/// Appends big-endian fields; the encoders check bounds before calling it.
struct SimulatorRecordWriter {
    private(set) var bytes: [UInt8]

    init(type: UInt8, version: UInt8, capacity: Int) {
        bytes = []
        bytes.reserveCapacity(capacity)
        bytes.append(type)
        bytes.append(version)
    }

    mutating func u8(_ value: UInt8) { bytes.append(value) }

    mutating func u32(_ value: Int) {
        for shift in stride(from: 24, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: value >> shift)) }
    }

    mutating func u64(_ value: UInt64) {
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    /// `u8-text`: the caller has checked that the text has at most 255 bytes.
    mutating func text(_ value: String) {
        bytes.append(UInt8(value.utf8.count))
        bytes.append(contentsOf: value.utf8)
    }

    mutating func append(_ other: [UInt8]) { bytes.append(contentsOf: other) }
}
