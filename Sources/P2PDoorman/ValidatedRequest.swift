public import P2PIdentity
public import P2PX509

/// A PKCS#10 request that passed every check the doorman makes before a policy sees it: size, DER,
/// signature, key algorithm, requested role, and the FULL legal-name rules on its subject.
public struct ValidatedRequest: Sendable {
    /// The roles the doorman issues.
    public static let issuableRoles: Set<CordaCertificateRole> = [.nodeCA, .tls, .serviceIdentity]

    public let request: CertificateSigningRequest
    public let der: [UInt8]
    public let legalName: X500Name
    public let role: CordaCertificateRole
    /// SHA-256 of the public key's DER, upper-case hex.
    public let keyFingerprint: String

    /// Checks `der`; throws with the code and a one-line reason for the node (HTTP 400 or 413).
    public init(der: [UInt8]) throws(DoormanError) {
        guard der.count <= DoormanLimits.maximumRequestBytes else {
            throw DoormanError(.requestTooLarge, "a request is at most \(DoormanLimits.maximumRequestBytes) bytes")
        }
        let request: CertificateSigningRequest
        do { request = try CertificateSigningRequest(derEncoded: der) } catch {
            throw DoormanError(.malformedRequest, "the body is not a DER PKCS#10 request")
        }
        // Trailing bytes after the request would be ignored by OpenSSL: refuse them.
        guard request.derRepresentation == der else {
            throw DoormanError(.malformedRequest, "the body has bytes after the PKCS#10 request")
        }
        guard request.isSignatureValid else {
            throw DoormanError(.invalidRequestSignature, "the request's signature does not verify with its key")
        }
        switch try? request.publicKey.checkedAlgorithm() {
        case .ecP256?, .ed25519?: break
        case .rsa(let bits)? where bits >= 2048: break
        default: throw DoormanError(.unsupportedKey, "the key must be EC P-256, Ed25519 or RSA of at least 2048 bits")
        }
        let requested: CordaCertificateRole?
        do { requested = try request.requestedCordaRole() } catch {
            throw DoormanError(.unsupportedRole, "the role attribute is not one INTEGER naming a Corda role")
        }
        let role = requested ?? .nodeCA
        guard Self.issuableRoles.contains(role) else {
            throw DoormanError(.unsupportedRole, "role \(role) is not issued; ask for NODE_CA, TLS or SERVICE_IDENTITY")
        }
        self.request = request
        self.der = der
        self.legalName = try Self.legalName(of: request.subject)
        self.role = role
        self.keyFingerprint = request.publicKey.sha256Fingerprint
    }

    /// The subject as a legal name under the FULL rules, each value already in normal form.
    static func legalName(of subject: DistinguishedName) throws(DoormanError) -> X500Name {
        var values: [X500Name.Attribute: String] = [:]
        for component in subject.components {
            guard let attribute = X500Name.Attribute(rawValue: component.attribute) else {
                throw DoormanError(.invalidLegalName, "attribute \(component.attribute) is not allowed in a legal name")
            }
            guard values.updateValue(component.value, forKey: attribute) == nil else {
                throw DoormanError(.invalidLegalName, "attribute \(attribute) appears twice")
            }
        }
        guard let organisation = values[.organisation], let locality = values[.locality], let country = values[.country]
        else { throw DoormanError(.invalidLegalName, "O, L and C are required") }
        let name: X500Name
        do {
            name = try X500Name(
                commonName: values[.commonName], organisationalUnit: values[.organisationalUnit],
                organisation: organisation, locality: locality, state: values[.state], country: country,
                validation: .full)
        } catch { throw DoormanError(.invalidLegalName, error.detail.isEmpty ? "\(error.code)" : error.detail) }
        for (attribute, value) in values where name[attribute] != value {
            throw DoormanError(.invalidLegalName, "\(attribute) is not in normal form")
        }
        return name
    }
}
