public import Foundation
import P2PDurableStorage
public import P2PX509
import P2PIdentity
import P2PMembership

/// Verifies signed network-map objects against the network's root certificate: the chain, then the
/// signature over the raw payload, then the signer's role, and only then the payload.
public struct NetworkTrust: Sendable {
    public let root: Certificate
    let store: TrustStore

    public init(root: Certificate) throws(NetworkMapError) {
        guard root.isCertificateAuthority else {
            throw NetworkMapError(.untrustedCertificate, "the network root must be a CA certificate (CA:TRUE)")
        }
        self.root = root
        do {
            store = try TrustStore(roots: [root])
        } catch {
            throw NetworkMapError(.untrustedCertificate, "trust store: \(error.detail)")
        }
    }

    /// Reads the root from a PEM file (exactly one certificate).
    public init(rootPEMFile path: String) throws(NetworkMapError) {
        let pem = try FileLimits.readText(path, maximumBytes: SignedEnvelope.maximumCertificateBytes)
        do {
            try self.init(root: try Certificate(pemEncoded: pem))
        } catch let error as NetworkMapError {
            throw error
        } catch {
            throw NetworkMapError(.untrustedCertificate, "\(path): not a PEM certificate")
        }
    }

    /// The signer's certificate, once its chain and the envelope's signature are verified.
    public func signer(of envelope: SignedEnvelope, at now: Date) throws(NetworkMapError) -> Certificate {
        var chain: [Certificate] = []
        for (index, pem) in envelope.certificates.enumerated() {
            do {
                chain.append(try Certificate(pemEncoded: pem))
            } catch {
                throw NetworkMapError(.malformedEnvelope, "certificates[\(index)]: not a PEM certificate")
            }
        }
        do {
            try store.verify(chain[0], intermediates: Array(chain.dropFirst()), at: now)
        } catch {
            throw NetworkMapError(.untrustedCertificate, "the signer's chain does not lead to the network root: \(error.detail)")
        }
        guard PayloadSignature.isValid(envelope.signature, over: envelope.payload, by: chain[0]) else {
            throw NetworkMapError(.invalidSignature, "the signature does not verify with the signer's key")
        }
        return chain[0]
    }

    /// A member record, signed by a member's certificate whose subject is the member's name.
    public func verifiedMember(_ envelope: SignedEnvelope, at now: Date) throws(NetworkMapError) -> MemberRecord {
        let signer = try signer(of: envelope, at: now)
        try requireMemberRole(signer, what: "a member record")
        let record = try MemberRecord.decode(payload: envelope.payload)
        let subject = signer.subject.description
        guard let name = try? X500Name(subject), name == record.member.holdingIdentity.name else {
            throw NetworkMapError(.signerNameMismatch, "the signer's certificate subject is not the member's X.500 name")
        }
        return record
    }

    /// The map, signed by a `NETWORK_MAP` certificate.
    public func verifiedMap(_ envelope: SignedEnvelope, at now: Date) throws(NetworkMapError) -> NetworkMap {
        let signer = try signer(of: envelope, at: now)
        let role = signer.cordaRole
        guard role == .networkMap else {
            throw NetworkMapError(.wrongCertificateRole, "the map's signer has \(Self.name(role)); it needs NETWORK_MAP")
        }
        return try NetworkMap.decode(payload: envelope.payload)
    }

    /// Parameters, signed by a `NETWORK_PARAMETERS` or `NETWORK_MAP` certificate.
    public func verifiedParameters(_ envelope: SignedEnvelope, at now: Date) throws(NetworkMapError) -> NetworkParameters {
        let signer = try signer(of: envelope, at: now)
        let role = signer.cordaRole
        guard role == .networkParameters || role == .networkMap else {
            throw NetworkMapError(.wrongCertificateRole, "the parameters' signer has \(Self.name(role)); it needs NETWORK_PARAMETERS or NETWORK_MAP")
        }
        return try NetworkParameters.decode(payload: envelope.payload)
    }

    /// An acknowledgement, signed by a member's certificate; returns it and the signer.
    public func verifiedAck(_ envelope: SignedEnvelope, at now: Date) throws(NetworkMapError) -> (ParametersAck, Certificate) {
        let signer = try signer(of: envelope, at: now)
        try requireMemberRole(signer, what: "an acknowledgement")
        return (try ParametersAck.decode(payload: envelope.payload), signer)
    }

    func requireMemberRole(_ signer: Certificate, what: String) throws(NetworkMapError) {
        let role = signer.cordaRole
        if role == .networkMap || role == .networkParameters {
            throw NetworkMapError(.wrongCertificateRole, "the signer's certificate has role \(Self.name(role)); \(what) needs a member's certificate")
        }
    }

    static func name(_ role: CordaCertificateRole?) -> String { role.map { "role \($0)" } ?? "no role" }
}

/// Bounded reads of small files.
enum FileLimits {
    static func readBytes(_ path: String, maximumBytes: Int) throws(NetworkMapError) -> [UInt8] {
        let bytes: [UInt8]?
        do { bytes = try DurableStorage.read(URL(fileURLWithPath: path), maximumBytes: maximumBytes) } catch {
            throw error.code == .tooLarge
                ? NetworkMapError(.tooLarge, "\(path) is larger than \(maximumBytes) bytes")
                : NetworkMapError(.invalidServerHome, "cannot read \(path)")
        }
        guard let bytes else { throw NetworkMapError(.invalidServerHome, "cannot read \(path)") }
        return bytes
    }

    static func readText(_ path: String, maximumBytes: Int) throws(NetworkMapError) -> String {
        String(decoding: try readBytes(path, maximumBytes: maximumBytes), as: UTF8.self)
    }
}
