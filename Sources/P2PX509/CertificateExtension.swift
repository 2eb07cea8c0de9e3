import COpenSSL

/// An extension given by its OID and DER value, for extensions ``CertificateProfile`` has no field for
/// (Corda's role extension, name constraints).
public struct CertificateExtension: Hashable, Sendable, CustomStringConvertible {
    /// The longest DER value accepted, in bytes.
    public static let maximumValueLength = 4096
    /// The most additional extensions in one certificate.
    public static let maximumCount = 8

    /// Dotted decimal, e.g. `1.3.6.1.4.1.50530.1.1`.
    public let oid: String
    public let isCritical: Bool
    /// The DER the extension's OCTET STRING wraps.
    public let value: [UInt8]

    public init(oid: String, isCritical: Bool, value: [UInt8]) {
        self.oid = oid
        self.isCritical = isCritical
        self.value = value
    }

    public var description: String { "CertificateExtension(\(oid), critical: \(isCritical), \(value.count) bytes)" }

    /// The NameConstraints OID (RFC 5280 §4.2.1.10).
    public static let nameConstraintsOID = "2.5.29.30"

    /// Critical NameConstraints permitting exactly one directory-name subtree: `name` and names below it.
    public static func nameConstraints(permittingDirectoryName name: DistinguishedName) throws(X509Error) -> CertificateExtension {
        // NameConstraints ::= SEQUENCE { permittedSubtrees [0] GeneralSubtrees }
        // GeneralSubtree ::= SEQUENCE { base GeneralName }; directoryName is [4] EXPLICIT Name.
        let directoryName = DER.wrap(0xA4, try name.derRepresentation)
        let subtree = DER.wrap(0x30, directoryName)
        let permitted = DER.wrap(0xA0, subtree)
        return CertificateExtension(oid: nameConstraintsOID, isCritical: true, value: DER.wrap(0x30, permitted))
    }

    /// A new `X509_EXTENSION` the caller owns.
    func makeExtension() throws(X509Error) -> OpaquePointer {
        guard value.count <= Self.maximumValueLength, !value.isEmpty else {
            throw X509Error(.extensionFailed, "\(oid): value of \(value.count) bytes")
        }
        OpenSSLErrorQueue.clear()
        guard oid.utf8.count <= 128, let object = OBJ_txt2obj(oid, 1) else {
            throw X509Error(.extensionFailed, "not a dotted OID")
        }
        defer { ASN1_OBJECT_free(object) }
        guard let octets = ASN1_OCTET_STRING_new() else { throw X509Error(.extensionFailed, "ASN1_OCTET_STRING_new") }
        defer { ASN1_OCTET_STRING_free(octets) }
        guard ASN1_OCTET_STRING_set(octets, value, Int32(value.count)) == 1,
            let ext = X509_EXTENSION_create_by_OBJ(nil, object, isCritical ? 1 : 0, octets)
        else { throw X509Error(.extensionFailed, "\(oid): \(OpenSSLErrorQueue.drain())") }
        return ext
    }
}

extension Certificate {
    /// The extension with `oid`, or nil when the certificate has none (or `oid` is not a dotted OID).
    public func `extension`(oid: String) -> CertificateExtension? {
        OpenSSLErrorQueue.clear()
        defer { OpenSSLErrorQueue.clear() }
        guard oid.utf8.count <= 128, let object = OBJ_txt2obj(oid, 1) else { return nil }
        defer { ASN1_OBJECT_free(object) }
        let index = X509_get_ext_by_OBJ(pointer, object, -1)
        guard index >= 0, let ext = X509_get_ext(pointer, index), let data = X509_EXTENSION_get_data(ext) else {
            return nil
        }
        let length = Int(ASN1_STRING_length(data))
        guard length <= CertificateExtension.maximumValueLength, let bytes = ASN1_STRING_get0_data(data) else { return nil }
        return CertificateExtension(
            oid: oid, isCritical: X509_EXTENSION_get_critical(ext) == 1,
            value: Array(UnsafeBufferPointer(start: bytes, count: length)))
    }
}

extension DistinguishedName {
    /// The DER `Name` (a SEQUENCE of RDNs), as it appears in a certificate.
    public var derRepresentation: [UInt8] {
        get throws(X509Error) {
            let name = try makeX509Name()
            defer { X509_NAME_free(name) }
            return encodeDER("name") { i2d_X509_NAME(name, $0) }
        }
    }
}

/// The few DER encodings built by hand.
enum DER {
    /// `tag`, the definite length of `content`, then `content`.
    static func wrap(_ tag: UInt8, _ content: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = [tag]
        let count = content.count
        if count < 0x80 {
            bytes.append(UInt8(count))
        } else {
            var length: [UInt8] = []
            var remaining = count
            while remaining > 0 {
                length.insert(UInt8(remaining & 0xFF), at: 0)
                remaining >>= 8
            }
            bytes.append(0x80 | UInt8(length.count))
            bytes += length
        }
        return bytes + content
    }

    /// A small non-negative INTEGER (0…127): `02 01 nn`.
    static func smallInteger(_ value: Int) -> [UInt8] {
        precondition((0...127).contains(value))
        return [0x02, 0x01, UInt8(value)]
    }

    /// The value of a DER INTEGER of one content byte in 0…127, or nil for anything else.
    static func parseSmallInteger(_ bytes: [UInt8]) -> Int? {
        guard bytes.count == 3, bytes[0] == 0x02, bytes[1] == 0x01, bytes[2] < 0x80 else { return nil }
        return Int(bytes[2])
    }
}
