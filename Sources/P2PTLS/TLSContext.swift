import COpenSSL
import NIOCore
import P2PX509

/// One OpenSSL `SSL_CTX`, configured once from a ``TLSConfiguration`` and shared by every connection made
/// from it (like NIOSSL's `NIOSSLContext`). Thread-safe: the `SSL_CTX` is never changed after `init`.
public final class TLSContext: @unchecked Sendable {
    public enum Role: Sendable { case client, server }

    public let role: Role
    public let configuration: TLSConfiguration
    let pointer: OpaquePointer
    /// Per identity: leaf, key, and the chain without the leaf (an owned `STACK_OF(X509)`), for SNI selection.
    private let chainStacks: [OpaquePointer]
    /// Lower-cased DNS names (and `*.suffix` wildcards) of the identities' leaves → identity index, for SNI.
    private let identityIndexByName: [String: Int]

    public init(role: Role, configuration: TLSConfiguration) throws(TLSError) {
        try Self.validate(role: role, configuration)
        guard let context = SSL_CTX_new(TLS_method()) else { throw TLSError(.invalidConfiguration, "SSL_CTX_new") }
        self.role = role
        self.configuration = configuration
        self.pointer = context
        var stacks: [OpaquePointer] = []
        for identity in configuration.identities {
            guard let stack = COpenSSL_sk_X509_new_null() else { break }
            for certificate in identity.chain.dropFirst() { _ = COpenSSL_sk_X509_push(stack, certificate.pointer) }
            stacks.append(stack)
        }
        self.chainStacks = stacks
        var byName: [String: Int] = [:]
        for (index, identity) in configuration.identities.enumerated() {
            for name in identity.leaf.dnsNames where byName[name.lowercased()] == nil {
                byName[name.lowercased()] = index
            }
        }
        self.identityIndexByName = byName
        try configure()
    }

    deinit {
        for stack in chainStacks { COpenSSL_sk_X509_free(stack) }
        SSL_CTX_free(pointer)
    }

    private static func validate(role: Role, _ configuration: TLSConfiguration) throws(TLSError) {
        if role == .server, configuration.identities.isEmpty {
            throw TLSError(.invalidConfiguration, "a server needs at least one identity")
        }
        guard configuration.identities.count <= TLSConfiguration.maximumIdentities else {
            throw TLSError(.invalidConfiguration, "too many identities")
        }
        if role == .client || configuration.clientAuthentication == .required, configuration.trustRoots.isEmpty {
            throw TLSError(.invalidConfiguration, "trust roots are needed to verify peers")
        }
        guard (TLSConfiguration.minimumRecordSize...TLSConfiguration.maximumRecordSize)
            .contains(configuration.maximumSendRecordSize)
        else { throw TLSError(.invalidConfiguration, "record size out of range") }
        guard configuration.handshakeTimeout.nanoseconds > 0, configuration.closeTimeout.nanoseconds > 0 else {
            throw TLSError(.invalidConfiguration, "timeouts must be positive")
        }
    }

    private func configure() throws(TLSError) {
        OpenSSLErrorQueue.clear()
        let minimum = configuration.minimumVersion == .tls13 ? TLS1_3_VERSION : TLS1_2_VERSION
        var ok = COpenSSL_SSL_CTX_set_min_proto_version(pointer, minimum) == 1
        ok = ok && COpenSSL_SSL_CTX_set_max_proto_version(pointer, TLS1_3_VERSION) == 1
        ok = ok && SSL_CTX_set_ciphersuites(pointer, TLSConfiguration.tls13CipherSuites) == 1
        ok = ok && SSL_CTX_set_cipher_list(pointer, TLSConfiguration.tls12CipherList) == 1
        guard ok else { throw TLSError(.invalidConfiguration, OpenSSLErrorQueue.drain()) }
        // Renegotiation off; no compression. IGNORE_UNEXPECTED_EOF stays off: a missing close_notify is reported.
        _ = COpenSSL_SSL_CTX_set_options(
            pointer, UInt(COpenSSL_SSL_OP_NO_RENEGOTIATION() | COpenSSL_SSL_OP_NO_COMPRESSION()))
        _ = COpenSSL_SSL_CTX_set_max_send_fragment(pointer, configuration.maximumSendRecordSize)
        _ = COpenSSL_SSL_CTX_set_max_cert_list(pointer, TLSConfiguration.maximumPeerCertificateListSize)
        // Stateless servers: no session cache, no tickets to keep.
        _ = COpenSSL_SSL_CTX_set_session_cache_mode(pointer, Int(SSL_SESS_CACHE_OFF))
        _ = SSL_CTX_set_num_tickets(pointer, 0)

        if !configuration.trustRoots.isEmpty {
            let store = SSL_CTX_get_cert_store(pointer)
            for root in configuration.trustRoots where X509_STORE_add_cert(store, root.pointer) != 1 {
                OpenSSLErrorQueue.clear()  // a duplicate root
            }
        }
        var verifyMode = SSL_VERIFY_NONE
        switch role {
        case .client: verifyMode = SSL_VERIFY_PEER
        case .server:
            if configuration.clientAuthentication == .required {
                verifyMode = SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT
            }
        }
        SSL_CTX_set_verify(pointer, verifyMode, nil)
        SSL_CTX_set_verify_depth(pointer, Int32(TLSConfiguration.maximumChainLength))

        if role == .server {
            // The certificate is chosen per connection from the SNI name, in the certificate callback.
            SSL_CTX_set_cert_cb(pointer, { ssl, argument in
                guard let ssl, let argument else { return 0 }
                let context = Unmanaged<TLSContext>.fromOpaque(argument).takeUnretainedValue()
                return context.selectIdentity(for: ssl) ? 1 : 0
            }, Unmanaged.passUnretained(self).toOpaque())
        } else if let identity = configuration.identities.first {
            guard SSL_CTX_use_certificate(pointer, identity.leaf.pointer) == 1,
                SSL_CTX_use_PrivateKey(pointer, identity.key.pointer) == 1
            else { throw TLSError(.invalidConfiguration, OpenSSLErrorQueue.drain()) }
            for certificate in identity.chain.dropFirst() {
                guard COpenSSL_SSL_CTX_add_extra_chain_cert_up_ref(pointer, certificate.pointer) == 1 else {
                    throw TLSError(.invalidConfiguration, OpenSSLErrorQueue.drain())
                }
            }
        }
    }

    /// Index of the identity serving `serverName`: an exact DNS name, else a `*.` wildcard of its parent domain,
    /// else the first identity. A dictionary lookup, so thousands of hosted identities cost nothing per handshake.
    func identityIndex(forServerName serverName: String?) -> Int {
        guard let serverName, !serverName.isEmpty else { return 0 }
        let name = serverName.lowercased()
        if let index = identityIndexByName[name] { return index }
        if let dot = name.firstIndex(of: "."), let index = identityIndexByName["*" + name[dot...]] { return index }
        return 0
    }

    /// Called by OpenSSL while it processes a ClientHello: installs the identity for the SNI name.
    private func selectIdentity(for ssl: OpaquePointer) -> Bool {
        let name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name).map { String(cString: $0) }
        let index = identityIndex(forServerName: name)
        let identity = configuration.identities[index]
        return SSL_use_cert_and_key(ssl, identity.leaf.pointer, identity.key.pointer, chainStacks[index], 1) == 1
    }

    /// A new connection object for one channel.
    func makeConnection() throws(TLSError) -> TLSConnection {
        try TLSConnection(context: self)
    }
}
