import COpenSSL
public import Foundation

/// An X.509 certificate, owning one OpenSSL `X509`. Immutable.
public final class Certificate: @unchecked Sendable, Hashable, CustomStringConvertible {
    // Never mutated after construction; OpenSSL's read accessors are thread-safe on a finished X509.
    package let pointer: OpaquePointer

    package init(taking pointer: OpaquePointer) { self.pointer = pointer }

    /// Shares an `X509` the caller owns a reference to (the reference count is raised).
    package init(sharing pointer: OpaquePointer) {
        X509_up_ref(pointer)
        self.pointer = pointer
    }

    deinit { X509_free(pointer) }

    /// Reads one PEM certificate.
    public convenience init(pemEncoded pem: String) throws(X509Error) {
        let bio = try MemoryBIO(pem.utf8)
        OpenSSLErrorQueue.clear()
        guard let certificate = PEM_read_bio_X509(bio.pointer, nil, nil, nil) else {
            throw X509Error(.invalidPEM, "certificate: \(OpenSSLErrorQueue.drain())")
        }
        self.init(taking: certificate)
    }

    /// Reads every certificate of a PEM bundle, in order; at least one.
    public static func chain(pemEncoded pem: String, maximumCount: Int = 16) throws(X509Error) -> [Certificate] {
        let bio = try MemoryBIO(pem.utf8)
        var certificates: [Certificate] = []
        OpenSSLErrorQueue.clear()
        while certificates.count < maximumCount, let certificate = PEM_read_bio_X509(bio.pointer, nil, nil, nil) {
            certificates.append(Certificate(taking: certificate))
        }
        OpenSSLErrorQueue.clear()  // the read past the last certificate leaves "no start line"
        guard !certificates.isEmpty else { throw X509Error(.invalidPEM, "no certificate") }
        return certificates
    }

    /// Reads one DER certificate.
    public convenience init(derEncoded der: some Collection<UInt8>) throws(X509Error) {
        self.init(taking: try decodeDER(der, "certificate") { d2i_X509(nil, $0, $1) })
    }

    public var derRepresentation: [UInt8] { encodeDER("certificate") { i2d_X509(pointer, $0) } }

    public var pemRepresentation: String {
        get throws(X509Error) {
            let bio = try MemoryBIO()
            guard PEM_write_bio_X509(bio.pointer, pointer) == 1 else {
                throw X509Error(.encodingFailed, OpenSSLErrorQueue.drain())
            }
            return bio.string
        }
    }

    public var subject: DistinguishedName { DistinguishedName(borrowing: X509_get_subject_name(pointer)) }
    public var issuer: DistinguishedName { DistinguishedName(borrowing: X509_get_issuer_name(pointer)) }

    public var serialNumber: SerialNumber {
        // A certificate we hold was parsed or built by OpenSSL with a valid serial, but may be zero or negative
        // if it came from elsewhere; report those as 0.
        (try? SerialNumber(borrowing: X509_get0_serialNumber(pointer))) ?? SerialNumber(0)
    }

    public var notValidBefore: Date { ASN1Time.date(X509_get0_notBefore(pointer)) }
    public var notValidAfter: Date { ASN1Time.date(X509_get0_notAfter(pointer)) }

    /// The subject's public key, or nil when OpenSSL cannot decode its algorithm.
    public var publicKey: PublicKey? {
        // X509_get_pubkey returns a new reference.
        X509_get_pubkey(pointer).map { PublicKey(taking: $0) }
    }

    /// Whether basic constraints say CA:TRUE.
    public var isCertificateAuthority: Bool { X509_check_ca(pointer) == 1 }

    /// The key usage bits present, or nil when the extension is absent.
    public var keyUsage: KeyUsage? {
        let flags = X509_get_extension_flags(pointer)
        guard flags & UInt32(EXFLAG_KUSAGE) != 0 else { return nil }
        return KeyUsage(rawValue: X509_get_key_usage(pointer))
    }

    /// The extended key usages present, or nil when the extension is absent.
    public var extendedKeyUsage: ExtendedKeyUsage? {
        let flags = X509_get_extension_flags(pointer)
        guard flags & UInt32(EXFLAG_XKUSAGE) != 0 else { return nil }
        return ExtendedKeyUsage(rawValue: X509_get_extended_key_usage(pointer))
    }

    /// The dNSName and iPAddress entries of the subject alternative name.
    public var subjectAlternativeNames: [SubjectAlternativeName] {
        guard let names = X509_get_ext_d2i(pointer, NID_subject_alt_name, nil, nil) else { return [] }
        let stack = OpaquePointer(names)
        defer { GENERAL_NAMES_free(stack) }
        return SubjectAlternativeName.read(stack)
    }

    public var dnsNames: [String] {
        subjectAlternativeNames.compactMap { if case .dns(let name) = $0 { name } else { nil } }
    }

    /// The URIs of the CRL distribution points (full names only).
    public var crlDistributionPoints: [String] {
        var uris: [String] = []
        var buffer = [CChar](repeating: 0, count: 2048)
        for index in 0..<Int32(8) {
            let length = COpenSSL_X509_crl_distribution_uris(pointer, &buffer, Int32(buffer.count), index)
            guard length >= 0 else { break }
            uris.append(String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return uris
    }

    /// Whether this certificate's signature verifies with `issuer`'s public key and its issuer name matches.
    public func isSigned(by issuer: Certificate) -> Bool {
        OpenSSLErrorQueue.clear()
        defer { OpenSSLErrorQueue.clear() }
        guard X509_check_issued(issuer.pointer, pointer) == X509_V_OK, let key = X509_get0_pubkey(issuer.pointer) else {
            return false
        }
        return X509_verify(pointer, key) == 1
    }

    /// Whether the certificate matches `host` (a DNS name, wildcards per RFC 6125) or an IP address literal.
    public func matches(host: String) -> Bool {
        OpenSSLErrorQueue.clear()
        defer { OpenSSLErrorQueue.clear() }
        if X509_check_ip_asc(pointer, host, 0) == 1 { return true }
        return X509_check_host(pointer, host, host.utf8.count, 0, nil) == 1
    }

    /// The SHA-256 fingerprint of the DER form, upper-case hex.
    public var sha256Fingerprint: String {
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        _ = X509_digest(pointer, EVP_sha256(), &digest, &length)
        return digest.prefix(Int(length)).map { let s = String($0, radix: 16, uppercase: true); return $0 < 16 ? "0" + s : s }.joined()
    }

    public var description: String { "Certificate(subject: \(subject), serial: \(serialNumber))" }

    public static func == (lhs: Certificate, rhs: Certificate) -> Bool { X509_cmp(lhs.pointer, rhs.pointer) == 0 }
    public func hash(into hasher: inout Hasher) { hasher.combine(sha256Fingerprint) }
}
