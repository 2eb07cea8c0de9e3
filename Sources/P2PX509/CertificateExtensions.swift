import COpenSSL

/// Key usage bits (RFC 5280 §4.2.1.3), with OpenSSL's bit values.
public struct KeyUsage: OptionSet, Hashable, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let digitalSignature = KeyUsage(rawValue: UInt32(KU_DIGITAL_SIGNATURE))
    public static let keyEncipherment = KeyUsage(rawValue: UInt32(KU_KEY_ENCIPHERMENT))
    public static let keyAgreement = KeyUsage(rawValue: UInt32(KU_KEY_AGREEMENT))
    public static let keyCertSign = KeyUsage(rawValue: UInt32(KU_KEY_CERT_SIGN))
    public static let cRLSign = KeyUsage(rawValue: UInt32(KU_CRL_SIGN))

    /// The names `openssl x509v3_config` uses, in a fixed order.
    var configNames: [String] {
        var names: [String] = []
        if contains(.digitalSignature) { names.append("digitalSignature") }
        if contains(.keyEncipherment) { names.append("keyEncipherment") }
        if contains(.keyAgreement) { names.append("keyAgreement") }
        if contains(.keyCertSign) { names.append("keyCertSign") }
        if contains(.cRLSign) { names.append("cRLSign") }
        return names
    }
}

/// Extended key usages (RFC 5280 §4.2.1.12), with OpenSSL's bit values.
public struct ExtendedKeyUsage: OptionSet, Hashable, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let serverAuth = ExtendedKeyUsage(rawValue: UInt32(XKU_SSL_SERVER))
    public static let clientAuth = ExtendedKeyUsage(rawValue: UInt32(XKU_SSL_CLIENT))

    var configNames: [String] {
        var names: [String] = []
        if contains(.serverAuth) { names.append("serverAuth") }
        if contains(.clientAuth) { names.append("clientAuth") }
        return names
    }
}

/// One subject alternative name: a DNS name or an IP address.
public enum SubjectAlternativeName: Hashable, Sendable, CustomStringConvertible {
    case dns(String)
    /// 4 bytes (IPv4) or 16 bytes (IPv6).
    case ipAddress([UInt8])

    /// Parses a dotted IPv4 or an IPv6 literal into `.ipAddress`.
    public static func ipAddress(_ text: String) throws(X509Error) -> SubjectAlternativeName {
        OpenSSLErrorQueue.clear()
        guard let octets = a2i_IPADDRESS(text) else {
            OpenSSLErrorQueue.clear()
            throw X509Error(.invalidSubjectAlternativeName, "not an IP address")
        }
        defer { ASN1_OCTET_STRING_free(octets) }
        let bytes = Array(UnsafeBufferPointer(start: ASN1_STRING_get0_data(octets), count: Int(ASN1_STRING_length(octets))))
        return .ipAddress(bytes)
    }

    public var description: String {
        switch self {
        case .dns(let name): return "DNS:\(name)"
        case .ipAddress(let bytes):
            if bytes.count == 4 { return "IP:" + bytes.map(String.init).joined(separator: ".") }
            return "IP:" + stride(from: 0, to: bytes.count, by: 2).map {
                String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16)
            }.joined(separator: ":")
        }
    }

    /// Letters, digits, `-`, `.` and a leading `*.` wildcard label; at most 253 bytes.
    static func validate(dnsName name: String) throws(X509Error) {
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        guard !name.isEmpty, name.utf8.count <= X509Limits.maximumDNSNameLength, labels.allSatisfy({ !$0.isEmpty }) else {
            throw X509Error(.invalidSubjectAlternativeName, "malformed DNS name")
        }
        for (index, label) in labels.enumerated() {
            if index == 0, label == "*", labels.count > 2 { continue }
            guard label.count <= 63, label.utf8.allSatisfy({ byte in
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == 0x2D
            }) else { throw X509Error(.invalidSubjectAlternativeName, "malformed DNS name") }
        }
    }

    /// The `subjectAltName` value in OpenSSL's configuration syntax; names are validated first.
    static func configValue(_ names: [SubjectAlternativeName]) throws(X509Error) -> String {
        guard !names.isEmpty, names.count <= X509Limits.maximumAlternativeNames else {
            throw X509Error(.invalidSubjectAlternativeName, "\(names.count) names")
        }
        var parts: [String] = []
        for name in names {
            switch name {
            case .dns(let dns):
                try validate(dnsName: dns)
                parts.append("DNS:\(dns)")
            case .ipAddress(let bytes):
                guard bytes.count == 4 || bytes.count == 16 else {
                    throw X509Error(.invalidSubjectAlternativeName, "IP address of \(bytes.count) bytes")
                }
                parts.append(name.description)
            }
        }
        return parts.joined(separator: ",")
    }

    /// Reads the DNS and IP entries of a `GENERAL_NAMES` stack the caller owns.
    static func read(_ names: OpaquePointer) -> [SubjectAlternativeName] {
        var result: [SubjectAlternativeName] = []
        let count = min(COpenSSL_sk_GENERAL_NAME_num(names), Int32(X509Limits.maximumAlternativeNames * 4))
        for index in 0..<count {
            guard let name = COpenSSL_sk_GENERAL_NAME_value(names, index) else { continue }
            var type: Int32 = 0
            guard let value = GENERAL_NAME_get0_value(name, &type) else { continue }
            let string = value.assumingMemoryBound(to: ASN1_STRING.self)
            let bytes = Array(UnsafeBufferPointer(start: ASN1_STRING_get0_data(string), count: Int(ASN1_STRING_length(string))))
            switch type {
            case GEN_DNS: result.append(.dns(String(decoding: bytes, as: UTF8.self)))
            case GEN_IPADD: result.append(.ipAddress(bytes))
            default: continue
            }
        }
        return result
    }
}
