/// Writes the canonical big-endian encodings of `docs/session-protocol.md` §3.
struct ByteWriter {
    private(set) var bytes: [UInt8]

    /// Starts an encoding with its two-byte header.
    init(type: MessageType, capacity: Int = 128) {
        bytes = []
        bytes.reserveCapacity(capacity)
        bytes.append(type.rawValue)
        bytes.append(SessionLimits.protocolVersion)
    }

    mutating func u8(_ value: UInt8) { bytes.append(value) }
    mutating func u16(_ value: UInt16) { withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) } }
    mutating func u32(_ value: UInt32) { withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) } }
    mutating func raw(_ value: [UInt8]) { bytes.append(contentsOf: value) }
    /// A UTF-8 string with a u16 length prefix (the caller has bounded its length).
    mutating func string(_ value: String) {
        let utf8 = Array(value.utf8)
        u16(UInt16(utf8.count))
        bytes.append(contentsOf: utf8)
    }
}

/// Reads a canonical encoding; every read is bounds-checked and a short input is `malformedMessage`.
struct ByteReader {
    private let bytes: [UInt8]
    private var index: Int

    /// Starts reading `bytes`, checking the two-byte header.
    init(_ bytes: [UInt8], expecting type: MessageType) throws(SessionError) {
        self.bytes = bytes
        self.index = 0
        let actualType = try u8()
        guard actualType == type.rawValue else {
            throw SessionError(.malformedMessage, "type \(actualType), expected \(type.rawValue)")
        }
        let version = try u8()
        guard version == SessionLimits.protocolVersion else {
            throw SessionError(.malformedMessage, "protocol version \(version)")
        }
    }

    private mutating func take(_ count: Int) throws(SessionError) -> ArraySlice<UInt8> {
        guard count >= 0, bytes.count - index >= count else {
            throw SessionError(.malformedMessage, "truncated encoding")
        }
        defer { index += count }
        return bytes[index..<(index + count)]
    }

    mutating func u8() throws(SessionError) -> UInt8 { try take(1).first! }

    mutating func u16() throws(SessionError) -> UInt16 {
        try take(2).reduce(0) { $0 << 8 | UInt16($1) }
    }

    mutating func u32() throws(SessionError) -> UInt32 {
        try take(4).reduce(0) { $0 << 8 | UInt32($1) }
    }

    mutating func raw(_ count: Int) throws(SessionError) -> [UInt8] { Array(try take(count)) }

    /// A u16-length-prefixed UTF-8 string of at most `maximum` bytes.
    mutating func string(maximum: Int) throws(SessionError) -> String {
        let count = Int(try u16())
        guard count <= maximum else { throw SessionError(.malformedMessage, "string of \(count) bytes") }
        let utf8 = try take(count)
        guard let string = String(validating: utf8, as: UTF8.self) else {
            throw SessionError(.malformedMessage, "string is not UTF-8")
        }
        return string
    }

    /// Fails unless every byte was consumed.
    func finish() throws(SessionError) {
        guard index == bytes.count else {
            throw SessionError(.malformedMessage, "\(bytes.count - index) trailing bytes")
        }
    }
}

/// The type byte of each canonical encoding.
enum MessageType: UInt8 {
    case initiatorHello = 0x01
    case responderHello = 0x02
    case initiatorHandshake = 0x03
    case responderHandshake = 0x04
    case initiatorHandshakePayload = 0x13
    case responderHandshakePayload = 0x14
}

/// Validation shared by messages and configurations.
enum Validate {
    static func groupID(_ groupID: String, code: SessionError.Code) throws(SessionError) {
        let count = groupID.utf8.count
        guard count >= 1, count <= SessionLimits.maximumGroupIDByteCount else {
            throw SessionError(code, "group id of \(count) UTF-8 bytes")
        }
    }

    static func bytes(_ value: [UInt8], count: Int, _ what: String, code: SessionError.Code) throws(SessionError) {
        guard value.count == count else { throw SessionError(code, "\(what) of \(value.count) bytes") }
    }

    static func modes(_ modes: ProtocolModes, code: SessionError.Code) throws(SessionError) {
        guard modes.isValid else { throw SessionError(code, "mode bits 0x\(String(modes.rawValue, radix: 16))") }
    }
}
