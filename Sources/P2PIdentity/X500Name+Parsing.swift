extension X500Name {
    /// Parses the string form, e.g. `O=Alice Corp, L=London, C=GB`, and validates it.
    ///
    /// - Attributes in any order, keys case-insensitive, any spaces or tabs around `,` and `=`.
    /// - Values use RFC 4514 escapes: `\` followed by one of `"+,;<>\=#` or a space, or by two
    ///   hex digits (a UTF-8 byte). `"`, `;`, `<`, `>` and a leading `#` must be escaped;
    ///   an unescaped `+` (a multi-valued RDN) is rejected.
    /// - At most ``maximumStringLength`` UTF-8 bytes.
    public init(_ string: String, validation: ValidationMode = .minimal) throws(IdentityError) {
        var values: [Attribute: String] = [:]
        for (attribute, value) in try Self.parseAttributes(string) {
            guard values.updateValue(value, forKey: attribute) == nil else {
                throw IdentityError(.duplicateAttribute, "\(attribute) appears more than once")
            }
        }
        try self.init(validating: values, mode: validation)
    }

    /// Splits the string form into attributes and unescaped raw values, in input order.
    static func parseAttributes(_ string: String) throws(IdentityError) -> [(Attribute, String)] {
        guard string.utf8.count <= maximumStringLength else {
            throw IdentityError(.nameTooLong, "the name is longer than \(maximumStringLength) UTF-8 bytes")
        }
        var parser = Parser(bytes: Array(string.utf8))
        var attributes: [(Attribute, String)] = []
        parser.skipBlanks()
        guard !parser.atEnd else { throw IdentityError(.malformedName, "the name is empty") }
        repeat {
            let attribute = try parser.key(index: attributes.count + 1)
            attributes.append((attribute, try parser.value(of: attribute)))
        } while parser.consumeComma()
        return attributes
    }

    /// The canonical RFC 4514 rendering of one normalised value.
    static func escape(_ value: String) -> String {
        let scalars = value.unicodeScalars
        let last = scalars.count - 1
        var out = ""
        for (offset, scalar) in scalars.enumerated() {
            switch scalar {
            case "\"", "+", ",", ";", "<", ">", "\\":
                out.unicodeScalars.append("\\")
            case "#" where offset == 0, " " where offset == 0 || offset == last:
                out.unicodeScalars.append("\\")
            default:
                break
            }
            out.unicodeScalars.append(scalar)
        }
        return out
    }
}

/// A cursor over the UTF-8 bytes of a name string; every step advances or throws, so it
/// terminates on any input.
private struct Parser {
    let bytes: [UInt8]
    var index = 0

    var atEnd: Bool { index == bytes.count }

    static func isBlank(_ byte: UInt8) -> Bool { byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }

    mutating func skipBlanks() {
        while !atEnd, Self.isBlank(bytes[index]) { index += 1 }
    }

    /// Reads `key =`, leaving the cursor after `=`.
    mutating func key(index position: Int) throws(IdentityError) -> X500Name.Attribute {
        skipBlanks()
        let start = index
        while !atEnd, bytes[index] != UInt8(ascii: "="), bytes[index] != UInt8(ascii: ",") { index += 1 }
        var end = index
        while end > start, Self.isBlank(bytes[end - 1]) { end -= 1 }
        guard !atEnd, bytes[index] == UInt8(ascii: "=") else {
            throw IdentityError(
                .malformedName,
                start == end ? "attribute \(position) is empty (stray comma)" : "attribute \(position) has no '='")
        }
        index += 1
        guard start < end else { throw IdentityError(.malformedName, "attribute \(position) has an empty key") }
        let key = bytes[start..<end]
        guard key.allSatisfy(Self.isKeyByte) else {
            throw IdentityError(.malformedName, "attribute \(position) has an invalid key")
        }
        // The key is ASCII letters, digits, '.' and '-' only, so it is safe to show.
        let name = String(decoding: key, as: UTF8.self).uppercased()
        guard let attribute = X500Name.Attribute(rawValue: name) else {
            throw IdentityError(.unsupportedAttribute, "\(name) is not supported; only CN, OU, O, L, ST and C are")
        }
        return attribute
    }

    static func isKeyByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "-"):
            true
        default: false
        }
    }

    /// Reads a value up to an unescaped `,` or the end, unescaping it and dropping
    /// unescaped blanks at either end.
    mutating func value(of attribute: X500Name.Attribute) throws(IdentityError) -> String {
        skipBlanks()
        if !atEnd, bytes[index] == UInt8(ascii: "#") {
            throw IdentityError(.malformedName, "\(attribute): hex-encoded (#) values are not supported")
        }
        var value: [UInt8] = []
        var pendingBlanks: [UInt8] = []
        while !atEnd, bytes[index] != UInt8(ascii: ",") {
            let byte = bytes[index]
            index += 1
            if Self.isBlank(byte) {
                pendingBlanks.append(byte)
                continue
            }
            value += pendingBlanks
            pendingBlanks.removeAll(keepingCapacity: true)
            switch byte {
            case UInt8(ascii: "\\"):
                value.append(try escaped(in: attribute))
            case UInt8(ascii: "+"):
                throw IdentityError(.multiValuedRDN, "\(attribute): multi-valued RDNs ('+') are not supported")
            case UInt8(ascii: "\""), UInt8(ascii: ";"), UInt8(ascii: "<"), UInt8(ascii: ">"):
                throw IdentityError(.malformedName, "\(attribute): '\(Unicode.Scalar(byte))' must be escaped")
            default:
                value.append(byte)
            }
        }
        guard let string = String(validating: value, as: UTF8.self) else {
            throw IdentityError(.invalidEscape, "\(attribute): hex escapes are not valid UTF-8")
        }
        return string
    }

    /// Reads what follows a `\`.
    mutating func escaped(in attribute: X500Name.Attribute) throws(IdentityError) -> UInt8 {
        guard !atEnd else { throw IdentityError(.invalidEscape, "\(attribute): dangling '\\' at the end") }
        let byte = bytes[index]
        index += 1
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "+"), UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "<"),
            UInt8(ascii: ">"), UInt8(ascii: "\\"), UInt8(ascii: "="), UInt8(ascii: "#"), UInt8(ascii: " "):
            return byte
        default:
            guard let high = Self.hexValue(byte), !atEnd, let low = Self.hexValue(bytes[index]) else {
                throw IdentityError(.invalidEscape, "\(attribute): '\\' must precede a special character or two hex digits")
            }
            index += 1
            return high << 4 | low
        }
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// Consumes the `,` ending a value; `false` at the end of input.
    mutating func consumeComma() -> Bool {
        guard !atEnd else { return false }
        index += 1  // value(of:) stops only at the end or at ','.
        return true
    }
}
