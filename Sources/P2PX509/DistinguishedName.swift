import COpenSSL

/// An X.500 distinguished name as ordered attribute/value pairs, e.g. `C=UK, O=R3, CN=r3.com`.
public struct DistinguishedName: Hashable, Sendable, CustomStringConvertible {
    /// Short attribute names accepted (OpenSSL's short names).
    public static let allowedAttributes: Set<String> = ["C", "ST", "L", "O", "OU", "CN", "serialNumber", "DC"]
    /// The most attributes in one name.
    public static let maximumAttributes = 16
    /// The longest value of one attribute, in UTF-8 bytes.
    public static let maximumValueLength = 256

    public let components: [(attribute: String, value: String)]

    public init(_ components: [(attribute: String, value: String)]) throws(X509Error) {
        guard !components.isEmpty, components.count <= Self.maximumAttributes else {
            throw X509Error(.invalidName, "\(components.count) attributes")
        }
        for component in components {
            guard Self.allowedAttributes.contains(component.attribute) else {
                throw X509Error(.invalidName, "attribute \(component.attribute)")
            }
            guard !component.value.isEmpty, component.value.utf8.count <= Self.maximumValueLength else {
                throw X509Error(.invalidName, "value length \(component.value.utf8.count)")
            }
        }
        self.components = components
    }

    /// A name with a common name and, optionally, organisation and country (written C, O, CN).
    public init(commonName: String, organization: String? = nil, country: String? = nil) throws(X509Error) {
        var components: [(attribute: String, value: String)] = []
        if let country { components.append(("C", country)) }
        if let organization { components.append(("O", organization)) }
        components.append(("CN", commonName))
        try self.init(components)
    }

    public var commonName: String? { components.last { $0.attribute == "CN" }?.value }

    public var description: String { components.map { "\($0.attribute)=\($0.value)" }.joined(separator: ", ") }

    public static func == (lhs: DistinguishedName, rhs: DistinguishedName) -> Bool {
        lhs.components.elementsEqual(rhs.components) { $0.attribute == $1.attribute && $0.value == $1.value }
    }

    public func hash(into hasher: inout Hasher) {
        for component in components {
            hasher.combine(component.attribute)
            hasher.combine(component.value)
        }
    }

    /// A new `X509_NAME` the caller owns.
    func makeX509Name() throws(X509Error) -> OpaquePointer {
        guard let name = X509_NAME_new() else { throw X509Error(.invalidName, "X509_NAME_new") }
        for component in components {
            let added = X509_NAME_add_entry_by_txt(
                name, component.attribute, COpenSSL_MBSTRING_UTF8(), component.value, -1, -1, 0)
            guard added == 1 else {
                X509_NAME_free(name)
                throw X509Error(.invalidName, OpenSSLErrorQueue.drain())
            }
        }
        return name
    }

    /// Reads an `X509_NAME` the caller still owns.
    init(borrowing name: OpaquePointer) {
        var components: [(attribute: String, value: String)] = []
        let count = min(X509_NAME_entry_count(name), Int32(Self.maximumAttributes * 4))
        for index in 0..<count {
            guard let entry = X509_NAME_get_entry(name, index) else { continue }
            let nid = OBJ_obj2nid(X509_NAME_ENTRY_get_object(entry))
            let attribute = OBJ_nid2sn(nid).map { String(cString: $0) } ?? "OID.\(nid)"
            var utf8: UnsafeMutablePointer<UInt8>?
            let length = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(entry))
            guard length >= 0, let utf8 else { continue }
            components.append((attribute, String(decoding: UnsafeBufferPointer(start: utf8, count: Int(length)), as: UTF8.self)))
            CRYPTO_free(utf8, #fileID, #line)
        }
        self.components = components
    }
}
