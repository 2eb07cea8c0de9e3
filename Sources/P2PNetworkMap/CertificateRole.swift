import COpenSSL
public import P2PX509

/// Corda's certificate role (extension OID `1.3.6.1.4.1.50530.1.1`, an ASN.1 INTEGER), which says what
/// a certificate may sign. Numbers are Corda's and never change.
public struct CertificateRole: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public static let extensionOID = "1.3.6.1.4.1.50530.1.1"

    public static let doormanCA = CertificateRole(rawValue: 1)
    public static let networkMap = CertificateRole(rawValue: 2)
    public static let serviceIdentity = CertificateRole(rawValue: 3)
    public static let nodeCA = CertificateRole(rawValue: 4)
    public static let tls = CertificateRole(rawValue: 5)
    public static let legalIdentity = CertificateRole(rawValue: 6)
    public static let confidentialLegalIdentity = CertificateRole(rawValue: 7)
    public static let networkParameters = CertificateRole(rawValue: 8)

    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    public var description: String {
        switch rawValue {
        case 1: "DOORMAN_CA"
        case 2: "NETWORK_MAP"
        case 3: "SERVICE_IDENTITY"
        case 4: "NODE_CA"
        case 5: "TLS"
        case 6: "LEGAL_IDENTITY"
        case 7: "CONFIDENTIAL_LEGAL_IDENTITY"
        case 8: "NETWORK_PARAMETERS"
        default: "role \(rawValue)"
        }
    }

    /// The role a certificate carries; nil when it has none. An extension that is not a small INTEGER
    /// is refused.
    public static func of(_ certificate: Certificate) throws(NetworkMapError) -> CertificateRole? {
        guard let object = OBJ_txt2obj(extensionOID, 1) else { throw NetworkMapError(.untrustedCertificate, "role OID") }
        defer { ASN1_OBJECT_free(object) }
        let index = X509_get_ext_by_OBJ(certificate.pointer, object, -1)
        guard index >= 0 else { return nil }
        guard let ext = X509_get_ext(certificate.pointer, index), let data = X509_EXTENSION_get_data(ext),
            let bytes = ASN1_STRING_get0_data(data)
        else { throw NetworkMapError(.wrongCertificateRole, "unreadable role extension") }
        let der = Array(UnsafeBufferPointer(start: bytes, count: Int(ASN1_STRING_length(data))))
        // DER INTEGER of one or two content bytes, positive.
        guard der.count >= 3, der.count <= 4, der[0] == 0x02, Int(der[1]) == der.count - 2, der[2] & 0x80 == 0 else {
            throw NetworkMapError(.wrongCertificateRole, "the role extension is not a small INTEGER")
        }
        return CertificateRole(rawValue: der.dropFirst(2).reduce(0) { $0 << 8 | Int($1) })
    }
}
