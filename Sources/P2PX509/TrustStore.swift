import COpenSSL
public import Foundation

/// Trust roots (and optionally revocation lists) verifying certificate chains; owns one OpenSSL `X509_STORE`.
public final class TrustStore: @unchecked Sendable {
    /// The most roots in one store.
    public static let maximumRoots = 1_000
    /// The longest chain accepted, leaf excluded.
    public static let maximumChainDepth = 8

    // Filled in the initialiser and never changed afterwards; X509_STORE lookups are locked internally.
    package let pointer: OpaquePointer
    public let roots: [Certificate]
    public let revocationLists: [CertificateRevocationList]

    /// A store trusting `roots`. With `revocationLists`, verification also requires each certificate of the
    /// chain to be covered by a list of its issuer and not be listed in it.
    public init(roots: [Certificate], revocationLists: [CertificateRevocationList] = []) throws(X509Error) {
        guard !roots.isEmpty, roots.count <= Self.maximumRoots else {
            throw X509Error(.chainVerificationFailed, "\(roots.count) trust roots")
        }
        guard let store = X509_STORE_new() else { throw X509Error(.encodingFailed, "X509_STORE_new") }
        pointer = store
        self.roots = roots
        self.revocationLists = revocationLists
        for root in roots where X509_STORE_add_cert(store, root.pointer) != 1 {
            // Duplicate roots are reported as errors by OpenSSL; they are harmless.
            OpenSSLErrorQueue.clear()
        }
        for list in revocationLists where X509_STORE_add_crl(store, list.pointer) != 1 {
            OpenSSLErrorQueue.clear()
        }
        if !revocationLists.isEmpty {
            X509_STORE_set_flags(store, UInt(X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL))
        }
        X509_STORE_set_depth(store, Int32(Self.maximumChainDepth))
    }

    deinit { X509_STORE_free(pointer) }

    /// Verifies `certificate` up to a root through `intermediates`, at `now`, optionally for `host`.
    /// Throws `.chainVerificationFailed` with OpenSSL's reason.
    public func verify(
        _ certificate: Certificate, intermediates: [Certificate] = [], host: String? = nil, at now: Date = Date()
    ) throws(X509Error) {
        guard intermediates.count <= Self.maximumChainDepth else {
            throw X509Error(.chainVerificationFailed, "chain too long")
        }
        guard let context = X509_STORE_CTX_new() else { throw X509Error(.encodingFailed, "X509_STORE_CTX_new") }
        defer { X509_STORE_CTX_free(context) }
        guard let untrusted = COpenSSL_sk_X509_new_null() else { throw X509Error(.encodingFailed, "stack") }
        defer { COpenSSL_sk_X509_free(untrusted) }
        for intermediate in intermediates { _ = COpenSSL_sk_X509_push(untrusted, intermediate.pointer) }
        OpenSSLErrorQueue.clear()
        guard X509_STORE_CTX_init(context, pointer, certificate.pointer, untrusted) == 1 else {
            throw X509Error(.encodingFailed, OpenSSLErrorQueue.drain())
        }
        let parameters = X509_STORE_CTX_get0_param(context)
        X509_VERIFY_PARAM_set_time(parameters, time_t(now.timeIntervalSince1970))
        if let host {
            let isIP = (try? SubjectAlternativeName.ipAddress(host)) != nil
            let set = isIP ? X509_VERIFY_PARAM_set1_ip_asc(parameters, host) : X509_VERIFY_PARAM_set1_host(parameters, host, host.utf8.count)
            guard set == 1 else { throw X509Error(.chainVerificationFailed, "host name not usable") }
        }
        let result = X509_verify_cert(context)
        if result != 1 {
            let code = X509_STORE_CTX_get_error(context)
            OpenSSLErrorQueue.clear()
            throw X509Error(.chainVerificationFailed, String(cString: X509_verify_cert_error_string(Int(code))))
        }
    }
}
