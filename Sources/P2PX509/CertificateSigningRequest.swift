import COpenSSL

/// A PKCS#10 certificate signing request, owning one OpenSSL `X509_REQ`.
public final class CertificateSigningRequest: @unchecked Sendable, CustomStringConvertible {
    // Immutable after construction.
    package let pointer: OpaquePointer

    init(taking pointer: OpaquePointer) { self.pointer = pointer }

    deinit { X509_REQ_free(pointer) }

    /// Creates and signs a request for `key`'s public half, with the names in an extension request.
    public convenience init(
        subject: DistinguishedName, alternativeNames: [SubjectAlternativeName], key: PrivateKey
    ) throws(X509Error) {
        OpenSSLErrorQueue.clear()
        guard let request = X509_REQ_new() else { throw X509Error(.encodingFailed, "X509_REQ_new") }
        self.init(taking: request)
        let name = try subject.makeX509Name()
        defer { X509_NAME_free(name) }
        guard X509_REQ_set_version(request, 0) == 1, X509_REQ_set_subject_name(request, name) == 1,
            X509_REQ_set_pubkey(request, key.pointer) == 1
        else { throw X509Error(.encodingFailed, OpenSSLErrorQueue.drain()) }
        if !alternativeNames.isEmpty {
            var context = X509V3_CTX()
            X509V3_set_ctx(&context, nil, nil, request, nil, 0)
            let value = try SubjectAlternativeName.configValue(alternativeNames)
            guard let ext = X509V3_EXT_conf_nid(nil, &context, NIDs.subjectAlternativeName, value) else {
                throw X509Error(.extensionFailed, OpenSSLErrorQueue.drain())
            }
            guard let stack = COpenSSL_sk_X509_EXTENSION_new_null() else {
                X509_EXTENSION_free(ext)
                throw X509Error(.extensionFailed, "stack")
            }
            defer { COpenSSL_sk_X509_EXTENSION_pop_free(stack) }
            guard COpenSSL_sk_X509_EXTENSION_push(stack, ext) > 0 else {
                X509_EXTENSION_free(ext)
                throw X509Error(.extensionFailed, "stack")
            }
            guard X509_REQ_add_extensions(request, stack) == 1 else {
                throw X509Error(.extensionFailed, OpenSSLErrorQueue.drain())
            }
        }
        guard X509_REQ_sign(request, key.pointer, key.signingDigest) > 0 else {
            throw X509Error(.signingFailed, OpenSSLErrorQueue.drain())
        }
    }

    public convenience init(pemEncoded pem: String) throws(X509Error) {
        let bio = try MemoryBIO(pem.utf8)
        OpenSSLErrorQueue.clear()
        guard let request = PEM_read_bio_X509_REQ(bio.pointer, nil, nil, nil) else {
            throw X509Error(.invalidPEM, "certificate request: \(OpenSSLErrorQueue.drain())")
        }
        self.init(taking: request)
        try checkKey()
    }

    public convenience init(derEncoded der: some Collection<UInt8>) throws(X509Error) {
        self.init(taking: try decodeDER(der, "certificate request") { d2i_X509_REQ(nil, $0, $1) })
        try checkKey()
    }

    private func checkKey() throws(X509Error) {
        guard X509_REQ_get0_pubkey(pointer) != nil else {
            throw X509Error(.unsupportedKeyAlgorithm, "certificate request key: \(OpenSSLErrorQueue.drain())")
        }
    }

    public var derRepresentation: [UInt8] { encodeDER("certificate request") { i2d_X509_REQ(pointer, $0) } }

    public var pemRepresentation: String {
        get throws(X509Error) {
            let bio = try MemoryBIO()
            guard PEM_write_bio_X509_REQ(bio.pointer, pointer) == 1 else {
                throw X509Error(.encodingFailed, OpenSSLErrorQueue.drain())
            }
            return bio.string
        }
    }

    public var subject: DistinguishedName { DistinguishedName(borrowing: X509_REQ_get_subject_name(pointer)) }

    public var publicKey: PublicKey {
        // A parsed request always carries a key OpenSSL decoded; X509_REQ_get_pubkey adds a reference.
        PublicKey(taking: X509_REQ_get_pubkey(pointer)!)
    }

    /// Whether the request is signed by the private half of the key it carries.
    public var isSignatureValid: Bool {
        OpenSSLErrorQueue.clear()
        defer { OpenSSLErrorQueue.clear() }
        guard let key = X509_REQ_get0_pubkey(pointer) else { return false }
        return X509_REQ_verify(pointer, key) == 1
    }

    /// The DNS and IP names of the extension request's subject alternative name.
    public var alternativeNames: [SubjectAlternativeName] {
        guard let extensions = X509_REQ_get_extensions(pointer) else { return [] }
        defer { COpenSSL_sk_X509_EXTENSION_pop_free(extensions) }
        guard let names = X509V3_get_d2i(extensions, NIDs.subjectAlternativeName, nil, nil) else { return [] }
        let stack = OpaquePointer(names)
        defer { GENERAL_NAMES_free(stack) }
        return SubjectAlternativeName.read(stack)
    }

    public var description: String { "CertificateSigningRequest(subject: \(subject))" }
}
