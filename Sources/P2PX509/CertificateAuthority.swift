import COpenSSL
public import Foundation

/// A certificate authority: a key pair and its CA certificate, signing certificates and revocation lists.
public struct CertificateAuthority: Sendable {
    public let key: PrivateKey
    public let certificate: Certificate

    /// Pairs an existing CA certificate with its key; both must match and the certificate must be a CA.
    public init(key: PrivateKey, certificate: Certificate) throws(X509Error) {
        guard certificate.isCertificateAuthority else { throw X509Error(.notACertificateAuthority) }
        guard let publicKey = certificate.publicKey, publicKey == key.publicKey else {
            throw X509Error(.notACertificateAuthority, "key does not match certificate")
        }
        self.key = key
        self.certificate = certificate
    }

    /// A new self-signed root CA.
    public static func selfSigned(key: PrivateKey, profile: CertificateProfile) throws(X509Error) -> CertificateAuthority {
        var profile = profile
        profile.isCertificateAuthority = true
        let certificate = try CertificateSigner.sign(profile: profile, subjectKey: key.publicKey, issuer: nil, issuerKey: key)
        return try CertificateAuthority(key: key, certificate: certificate)
    }

    /// Signs a certificate for `publicKey` described by `profile`.
    public func issue(profile: CertificateProfile, publicKey: PublicKey) throws(X509Error) -> Certificate {
        try CertificateSigner.sign(profile: profile, subjectKey: publicKey, issuer: certificate, issuerKey: key)
    }

    /// Signs a certificate for a PKCS#10 request after checking the request's signature. The request's
    /// subject and alternative names are used where the profile has none.
    public func issue(request: CertificateSigningRequest, profile: CertificateProfile) throws(X509Error) -> Certificate {
        guard request.isSignatureValid else { throw X509Error(.invalidSignature, "certificate signing request") }
        var profile = profile
        if profile.alternativeNames.isEmpty { profile.alternativeNames = request.alternativeNames }
        return try issue(profile: profile, publicKey: request.publicKey)
    }

    /// Signs a revocation list naming `revoked`, numbered `number`.
    public func issueRevocationList(
        revoked: [RevokedCertificate], number: UInt64, thisUpdate: Date, nextUpdate: Date
    ) throws(X509Error) -> CertificateRevocationList {
        try CertificateRevocationList.sign(
            revoked: revoked, number: number, thisUpdate: thisUpdate, nextUpdate: nextUpdate, authority: self)
    }
}

/// Builds and signs `X509` structures.
enum CertificateSigner {
    static func sign(
        profile: CertificateProfile, subjectKey: PublicKey, issuer: Certificate?, issuerKey: PrivateKey
    ) throws(X509Error) -> Certificate {
        try profile.validate()
        OpenSSLErrorQueue.clear()
        guard let x509 = X509_new() else { throw X509Error(.encodingFailed, "X509_new") }
        let certificate = Certificate(taking: x509)  // frees on every exit
        guard X509_set_version(x509, 2) == 1 else { throw X509Error(.encodingFailed, "version") }
        let serial = try profile.serialNumber.makeASN1Integer()
        defer { ASN1_INTEGER_free(serial) }
        guard X509_set_serialNumber(x509, serial) == 1 else { throw X509Error(.invalidSerialNumber) }
        let subject = try profile.subject.makeX509Name()
        defer { X509_NAME_free(subject) }
        guard X509_set_subject_name(x509, subject) == 1,
            X509_set_issuer_name(x509, issuer.map { X509_get_subject_name($0.pointer) } ?? subject) == 1
        else { throw X509Error(.invalidName, OpenSSLErrorQueue.drain()) }
        try ASN1Time.set(X509_getm_notBefore(x509), profile.notValidBefore)
        try ASN1Time.set(X509_getm_notAfter(x509), profile.notValidAfter)
        guard X509_set_pubkey(x509, subjectKey.pointer) == 1 else { throw X509Error(.encodingFailed, "public key") }

        var context = X509V3_CTX()
        X509V3_set_ctx(&context, issuer?.pointer ?? x509, x509, nil, nil, 0)
        var values = try profile.extensionValues
        values.append((NIDs.subjectKeyIdentifier, "hash"))
        if issuer != nil { values.append((NIDs.authorityKeyIdentifier, "keyid:always")) }
        for (nid, value) in values {
            guard let ext = X509V3_EXT_conf_nid(nil, &context, nid, value) else {
                throw X509Error(.extensionFailed, "\(String(cString: OBJ_nid2sn(nid))): \(OpenSSLErrorQueue.drain())")
            }
            defer { X509_EXTENSION_free(ext) }
            guard X509_add_ext(x509, ext, -1) == 1 else { throw X509Error(.extensionFailed, OpenSSLErrorQueue.drain()) }
        }
        for additional in profile.additionalExtensions {
            let ext = try additional.makeExtension()
            defer { X509_EXTENSION_free(ext) }
            guard X509_add_ext(x509, ext, -1) == 1 else { throw X509Error(.extensionFailed, OpenSSLErrorQueue.drain()) }
        }
        guard X509_sign(x509, issuerKey.pointer, issuerKey.signingDigest) > 0 else {
            throw X509Error(.signingFailed, OpenSSLErrorQueue.drain())
        }
        return certificate
    }
}
