import COpenSSL

/// Corda's certificate role (`CertRole`): what a certificate may be used for in a Corda network,
/// carried in a non-critical extension and, in a certificate signing request, in an attribute of the
/// same OID. The numbers are Corda's (enum ordinal + 1) and never change.
public enum CordaCertificateRole: Int, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    case doormanCA = 1
    case networkMap = 2
    case serviceIdentity = 3
    case nodeCA = 4
    case tls = 5
    case legalIdentity = 6
    case confidentialLegalIdentity = 7
    case networkParameters = 8

    /// The role extension's and the request attribute's OID.
    public static let oid = "1.3.6.1.4.1.50530.1.1"

    /// The roles a certificate's issuer may have for this role (nil: issued by a root, which has no role).
    public var validParents: [CordaCertificateRole?] {
        switch self {
        case .doormanCA, .networkMap, .networkParameters: [nil]
        case .serviceIdentity, .nodeCA: [.doormanCA]
        case .tls, .legalIdentity: [.doormanCA, .nodeCA]
        case .confidentialLegalIdentity: [.legalIdentity]
        }
    }

    /// The DER INTEGER of the role number.
    public var derValue: [UInt8] { DER.smallInteger(rawValue) }

    /// The non-critical role extension for a certificate.
    public var certificateExtension: CertificateExtension {
        CertificateExtension(oid: Self.oid, isCritical: false, value: derValue)
    }

    /// The role whose DER INTEGER is `der`, or nil when it is not one.
    public init?(derValue der: [UInt8]) {
        guard let number = DER.parseSmallInteger(der) else { return nil }
        self.init(rawValue: number)
    }

    public var description: String {
        switch self {
        case .doormanCA: "DOORMAN_CA"
        case .networkMap: "NETWORK_MAP"
        case .serviceIdentity: "SERVICE_IDENTITY"
        case .nodeCA: "NODE_CA"
        case .tls: "TLS"
        case .legalIdentity: "LEGAL_IDENTITY"
        case .confidentialLegalIdentity: "CONFIDENTIAL_LEGAL_IDENTITY"
        case .networkParameters: "NETWORK_PARAMETERS"
        }
    }
}

extension Certificate {
    /// The role in Corda's role extension; nil when the extension is absent or not a known role.
    public var cordaRole: CordaCertificateRole? {
        `extension`(oid: CordaCertificateRole.oid).flatMap { CordaCertificateRole(derValue: $0.value) }
    }
}

extension CertificateSigningRequest {
    /// Creates and signs a request that also asks for `role` with Corda's role attribute.
    public convenience init(
        subject: DistinguishedName, alternativeNames: [SubjectAlternativeName], key: PrivateKey,
        role: CordaCertificateRole
    ) throws(X509Error) {
        try self.init(subject: subject, alternativeNames: alternativeNames, key: key)
        OpenSSLErrorQueue.clear()
        guard let object = OBJ_txt2obj(CordaCertificateRole.oid, 1) else {
            throw X509Error(.encodingFailed, OpenSSLErrorQueue.drain())
        }
        defer { ASN1_OBJECT_free(object) }
        // An INTEGER attribute value is given by its content octets.
        let content: [UInt8] = [UInt8(role.rawValue)]
        guard X509_REQ_add1_attr_by_OBJ(pointer, object, V_ASN1_INTEGER, content, Int32(content.count)) == 1 else {
            throw X509Error(.encodingFailed, "role attribute: \(OpenSSLErrorQueue.drain())")
        }
        // Signed again: the signature must cover the attribute.
        guard X509_REQ_sign(pointer, key.pointer, key.signingDigest) > 0 else {
            throw X509Error(.signingFailed, OpenSSLErrorQueue.drain())
        }
    }

    /// The role asked for with Corda's role attribute: nil when the attribute is absent; throws
    /// `.extensionFailed` when it is present but not one INTEGER naming a known role.
    public func requestedCordaRole() throws(X509Error) -> CordaCertificateRole? {
        OpenSSLErrorQueue.clear()
        defer { OpenSSLErrorQueue.clear() }
        guard let object = OBJ_txt2obj(CordaCertificateRole.oid, 1) else { return nil }
        defer { ASN1_OBJECT_free(object) }
        let index = X509_REQ_get_attr_by_OBJ(pointer, object, -1)
        guard index >= 0 else { return nil }
        guard X509_REQ_get_attr_by_OBJ(pointer, object, index) < 0, let attribute = X509_REQ_get_attr(pointer, index),
            X509_ATTRIBUTE_count(attribute) == 1, let value = X509_ATTRIBUTE_get0_type(attribute, 0)
        else { throw X509Error(.extensionFailed, "role attribute must be present once with one value") }
        let der = encodeDER("role attribute") { i2d_ASN1_TYPE(value, $0) }
        guard let role = CordaCertificateRole(derValue: der) else {
            throw X509Error(.extensionFailed, "role attribute is not an INTEGER naming a known role")
        }
        return role
    }
}

extension PublicKey {
    /// The algorithm, or `.unsupportedKeyAlgorithm` for keys the toolkit does not use (e.g. EC curves
    /// other than P-256).
    public func checkedAlgorithm() throws(X509Error) -> KeyAlgorithm { try PrivateKey.algorithm(of: pointer) }

    /// The SHA-256 of the DER `SubjectPublicKeyInfo`, upper-case hex.
    public var sha256Fingerprint: String {
        let der = derRepresentation
        var digest = [UInt8](repeating: 0, count: Int(SHA256_DIGEST_LENGTH))
        _ = SHA256(der, der.count, &digest)
        return digest.map { let s = String($0, radix: 16, uppercase: true); return $0 < 16 ? "0" + s : s }.joined()
    }
}
