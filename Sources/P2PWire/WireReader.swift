import NIOCore

/// Reads the fields of one complete frame, checking every length before it slices.
///
/// Every read throws ``WireError/Code/truncated`` when the frame ends before the field does; slices
/// share the frame's storage (no copy).
struct WireReader {
    var buffer: ByteBuffer

    init(_ buffer: ByteBuffer) { self.buffer = buffer }

    mutating func readInteger<Integer: FixedWidthInteger>(
        _ field: StaticString, as type: Integer.Type = Integer.self
    ) throws(WireError) -> Integer {
        guard let value = buffer.readInteger(as: Integer.self) else {
            throw WireError(.truncated, "\(field): frame ends inside the field")
        }
        return value
    }

    /// A field of a fixed size (a key, a hash).
    mutating func readFixed(_ length: Int, _ field: StaticString) throws(WireError) -> ByteBuffer {
        try slice(length, field)
    }

    /// UTF-8 text behind a u8 or u16 length, its byte count in `range`.
    mutating func readText<Length: FixedWidthInteger & UnsignedInteger>(
        _ field: StaticString, lengthType: Length.Type, _ range: ClosedRange<Int>
    ) throws(WireError) -> ByteBuffer {
        let length = Int(try readInteger(field, as: Length.self))
        try Self.check(length: length, field, range)
        let text = try slice(length, field)
        try Self.checkUTF8(text, field)
        return text
    }

    /// Opaque bytes behind a u32 length, at most `maximum` of them.
    mutating func readBytes(_ field: StaticString, maximum: Int) throws(WireError) -> ByteBuffer {
        let length = Int(try readInteger(field, as: UInt32.self))
        try Self.check(length: length, field, 0...maximum)
        return try slice(length, field)
    }

    /// Throws ``WireError/Code/trailingBytes`` unless every byte of the frame was read.
    func finish() throws(WireError) {
        guard buffer.readableBytes == 0 else {
            throw WireError(.trailingBytes, "\(buffer.readableBytes) bytes after the last field")
        }
    }

    private mutating func slice(_ length: Int, _ field: StaticString) throws(WireError) -> ByteBuffer {
        guard length <= buffer.readableBytes, let slice = buffer.readSlice(length: length) else {
            throw WireError(.truncated, "\(field): \(length) bytes declared, \(buffer.readableBytes) left")
        }
        return slice
    }

    // MARK: Checks shared with the encoder's validation

    static func check(length: Int, _ field: StaticString, _ range: ClosedRange<Int>) throws(WireError) {
        guard length <= range.upperBound else {
            throw WireError(.fieldTooLarge, "\(field): \(length) bytes, maximum \(range.upperBound)")
        }
        guard length >= range.lowerBound else {
            throw WireError(.fieldTooShort, "\(field): \(length) bytes, minimum \(range.lowerBound)")
        }
    }

    static func check(fixed value: ByteBuffer, _ length: Int, _ field: StaticString) throws(WireError) {
        guard value.readableBytes == length else {
            throw WireError(.invalidFixedSizeField, "\(field): \(value.readableBytes) bytes, expected \(length)")
        }
    }

    static func check(text: ByteBuffer, _ field: StaticString, _ range: ClosedRange<Int>) throws(WireError) {
        try check(length: text.readableBytes, field, range)
        try checkUTF8(text, field)
    }

    static func checkUTF8(_ text: ByteBuffer, _ field: StaticString) throws(WireError) {
        let valid = text.withUnsafeReadableBytes { bytes in
            // Names and ids are nearly always ASCII: check that first, parse scalars only if needed.
            if bytes.allSatisfy({ $0 < 0x80 }) { return true }
            var parser = Unicode.UTF8.ForwardParser()
            var iterator = bytes.makeIterator()
            while true {
                switch parser.parseScalar(from: &iterator) {
                case .valid: continue
                case .emptyInput: return true
                case .error: return false
                }
            }
        }
        guard valid else { throw WireError(.invalidUTF8, "\(field)") }
    }
}
