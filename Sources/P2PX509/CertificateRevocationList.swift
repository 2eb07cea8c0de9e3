import COpenSSL
public import Foundation

/// One entry of a revocation list.
public struct RevokedCertificate: Hashable, Sendable {
    public let serialNumber: SerialNumber
    public let revocationDate: Date

    public init(serialNumber: SerialNumber, revocationDate: Date) {
        self.serialNumber = serialNumber
        self.revocationDate = revocationDate
    }
}

/// An X.509 v2 certificate revocation list, owning one OpenSSL `X509_CRL`. Immutable.
public final class CertificateRevocationList: @unchecked Sendable, CustomStringConvertible {
    /// The most entries read from or written into one list.
    public static let maximumEntries = 100_000

    // Immutable after construction (sorted before signing), so concurrent reads are safe.
    package let pointer: OpaquePointer

    init(taking pointer: OpaquePointer) { self.pointer = pointer }

    deinit { X509_CRL_free(pointer) }

    public convenience init(pemEncoded pem: String) throws(X509Error) {
        let bio = try MemoryBIO(pem.utf8)
        OpenSSLErrorQueue.clear()
        guard let crl = PEM_read_bio_X509_CRL(bio.pointer, nil, nil, nil) else {
            throw X509Error(.invalidPEM, "revocation list: \(OpenSSLErrorQueue.drain())")
        }
        self.init(taking: crl)
    }

    public convenience init(derEncoded der: some Collection<UInt8>) throws(X509Error) {
        self.init(taking: try decodeDER(der, "revocation list") { d2i_X509_CRL(nil, $0, $1) })
    }

    /// Reads PEM or DER, whichever `bytes` hold (as served by a CRL distribution point).
    public convenience init(pemOrDER bytes: [UInt8]) throws(X509Error) {
        if bytes.starts(with: Array("-----BEGIN".utf8)) {
            try self.init(pemEncoded: String(decoding: bytes, as: UTF8.self))
        } else {
            try self.init(derEncoded: bytes)
        }
    }

    public var derRepresentation: [UInt8] { encodeDER("revocation list") { i2d_X509_CRL(pointer, $0) } }

    public var pemRepresentation: String {
        get throws(X509Error) {
            let bio = try MemoryBIO()
            guard PEM_write_bio_X509_CRL(bio.pointer, pointer) == 1 else {
                throw X509Error(.encodingFailed, OpenSSLErrorQueue.drain())
            }
            return bio.string
        }
    }

    public var issuer: DistinguishedName { DistinguishedName(borrowing: X509_CRL_get_issuer(pointer)) }
    public var thisUpdate: Date { ASN1Time.date(X509_CRL_get0_lastUpdate(pointer)) }
    /// When the issuer promises the next list; nil when absent.
    public var nextUpdate: Date? { X509_CRL_get0_nextUpdate(pointer).map { ASN1Time.date($0) } }

    public var revokedCertificates: [RevokedCertificate] {
        guard let stack = X509_CRL_get_REVOKED(pointer) else { return [] }
        let count = min(COpenSSL_sk_X509_REVOKED_num(stack), Int32(Self.maximumEntries))
        var entries: [RevokedCertificate] = []
        entries.reserveCapacity(Int(max(count, 0)))
        for index in 0..<count {
            guard let entry = COpenSSL_sk_X509_REVOKED_value(stack, index),
                let serial = try? SerialNumber(borrowing: X509_REVOKED_get0_serialNumber(entry))
            else { continue }
            entries.append(RevokedCertificate(
                serialNumber: serial, revocationDate: ASN1Time.date(X509_REVOKED_get0_revocationDate(entry))))
        }
        return entries
    }

    /// Whether the list names `serialNumber`.
    public func contains(_ serialNumber: SerialNumber) -> Bool {
        guard let serial = try? serialNumber.makeASN1Integer() else { return false }
        defer { ASN1_INTEGER_free(serial) }
        var entry: OpaquePointer?
        return X509_CRL_get0_by_serial(pointer, &entry, serial) == 1
    }

    /// Whether `certificate` is listed; the caller checks first that this list is `isSigned(by:)` its issuer.
    public func isRevoked(_ certificate: Certificate) -> Bool { contains(certificate.serialNumber) }

    /// Whether `issuer` signed the list and its subject is the list's issuer name.
    public func isSigned(by issuer: Certificate) -> Bool {
        OpenSSLErrorQueue.clear()
        defer { OpenSSLErrorQueue.clear() }
        guard X509_NAME_cmp(X509_CRL_get_issuer(pointer), X509_get_subject_name(issuer.pointer)) == 0,
            let key = X509_get0_pubkey(issuer.pointer)
        else { return false }
        return X509_CRL_verify(pointer, key) == 1
    }

    /// Whether `nextUpdate` has passed at `now` (a list without `nextUpdate` never goes stale).
    public func isStale(at now: Date) -> Bool { nextUpdate.map { $0 < now } ?? false }

    public var description: String { "CertificateRevocationList(issuer: \(issuer), entries: \(revokedCertificates.count))" }

    static func sign(
        revoked: [RevokedCertificate], number: UInt64, thisUpdate: Date, nextUpdate: Date, authority: CertificateAuthority
    ) throws(X509Error) -> CertificateRevocationList {
        guard revoked.count <= maximumEntries else { throw X509Error(.inputTooLarge, "\(revoked.count) entries") }
        guard nextUpdate > thisUpdate else { throw X509Error(.invalidValidity, "next update must follow this update") }
        OpenSSLErrorQueue.clear()
        guard let crl = X509_CRL_new() else { throw X509Error(.encodingFailed, "X509_CRL_new") }
        let list = CertificateRevocationList(taking: crl)
        guard X509_CRL_set_version(crl, 1) == 1,
            X509_CRL_set_issuer_name(crl, X509_get_subject_name(authority.certificate.pointer)) == 1
        else { throw X509Error(.encodingFailed, OpenSSLErrorQueue.drain()) }
        let last = try ASN1Time.make(thisUpdate)
        defer { ASN1_TIME_free(last) }
        let next = try ASN1Time.make(nextUpdate)
        defer { ASN1_TIME_free(next) }
        guard X509_CRL_set1_lastUpdate(crl, last) == 1, X509_CRL_set1_nextUpdate(crl, next) == 1 else {
            throw X509Error(.invalidValidity, OpenSSLErrorQueue.drain())
        }
        for entry in revoked {
            guard let item = X509_REVOKED_new() else { throw X509Error(.encodingFailed, "X509_REVOKED_new") }
            let serial = try entry.serialNumber.makeASN1Integer()
            defer { ASN1_INTEGER_free(serial) }
            let date = try ASN1Time.make(entry.revocationDate)
            defer { ASN1_TIME_free(date) }
            guard X509_REVOKED_set_serialNumber(item, serial) == 1, X509_REVOKED_set_revocationDate(item, date) == 1,
                X509_CRL_add0_revoked(crl, item) == 1
            else {
                X509_REVOKED_free(item)
                throw X509Error(.encodingFailed, OpenSSLErrorQueue.drain())
            }
        }
        let crlNumber = try SerialNumber(number).makeASN1Integer()
        defer { ASN1_INTEGER_free(crlNumber) }
        guard X509_CRL_add1_ext_i2d(crl, NIDs.crlNumber, crlNumber, 0, 0) == 1 else {
            throw X509Error(.extensionFailed, OpenSSLErrorQueue.drain())
        }
        var context = X509V3_CTX()
        X509V3_set_ctx(&context, authority.certificate.pointer, nil, nil, crl, 0)
        if let ext = X509V3_EXT_conf_nid(nil, &context, NIDs.authorityKeyIdentifier, "keyid:always") {
            defer { X509_EXTENSION_free(ext) }
            guard X509_CRL_add_ext(crl, ext, -1) == 1 else { throw X509Error(.extensionFailed, OpenSSLErrorQueue.drain()) }
        }
        OpenSSLErrorQueue.clear()
        guard X509_CRL_sort(crl) == 1, X509_CRL_sign(crl, authority.key.pointer, authority.key.signingDigest) > 0 else {
            throw X509Error(.signingFailed, OpenSSLErrorQueue.drain())
        }
        return list
    }
}
