import Foundation
public import NIOCore
public import P2PX509

/// A certificate chain (leaf first) and the leaf's private key.
public struct TLSIdentity: Sendable {
    public let chain: [Certificate]
    public let key: PrivateKey

    public init(chain: [Certificate], key: PrivateKey) throws(TLSError) {
        guard let leaf = chain.first, chain.count <= TLSConfiguration.maximumChainLength else {
            throw TLSError(.invalidConfiguration, "an identity needs 1 to \(TLSConfiguration.maximumChainLength) certificates")
        }
        guard leaf.publicKey == key.publicKey else {
            throw TLSError(.invalidConfiguration, "the key does not match the leaf certificate")
        }
        self.chain = chain
        self.key = key
    }

    public var leaf: Certificate { chain[0] }
}

/// The lowest protocol version accepted.
public enum TLSVersion: Sendable, Hashable {
    /// TLS 1.3 only: the default.
    case tls13
    /// TLS 1.2 and 1.3: only when a peer needs it.
    case tls12
}

/// Whether a server asks clients for certificates.
public enum ClientAuthentication: Sendable, Hashable {
    /// One-way TLS: the client is anonymous at this layer.
    case none
    /// Mutual TLS: the client must present a certificate chaining to the trust roots.
    case required
}

/// How revocation is checked after the chain is verified (Corda's `RevocationConfigMode`).
public enum RevocationMode: String, Sendable, Hashable {
    /// No check.
    case off = "OFF"
    /// Reject a revoked certificate; accept when no current CRL can be had.
    case softFail = "SOFT_FAIL"
    /// Reject a revoked certificate, and reject when no current CRL can be had.
    case hardFail = "HARD_FAIL"
}

/// Settings of one TLS context, shared by every connection made from it. One context serves one
/// group's trust roots; a gateway makes one client context per group.
public struct TLSConfiguration: Sendable {
    /// The longest certificate chain we present or accept.
    public static let maximumChainLength = 8
    /// The most identities one server hosts (SNI choices).
    public static let maximumIdentities = 10_000
    /// The largest certificate list a peer may send, in bytes.
    public static let maximumPeerCertificateListSize = 64 * 1024
    /// TLS's own record size limit (RFC 8446 §5.1).
    public static let maximumRecordSize = 16_384
    /// The smallest record size we may be configured to send.
    public static let minimumRecordSize = 512

    /// Identities presented: a server picks one by SNI (the first is the default); a client presents
    /// the first under mutual TLS.
    public var identities: [TLSIdentity]
    /// The roots peers' chains must end in. Required for clients and for servers requiring client certificates.
    public var trustRoots: [Certificate]
    public var minimumVersion: TLSVersion
    public var clientAuthentication: ClientAuthentication
    public var revocation: RevocationConfiguration
    /// The handshake, including revocation checking, must finish within this time.
    public var handshakeTimeout: TimeAmount
    /// How long to wait for the peer's close_notify after sending ours.
    public var closeTimeout: TimeAmount
    /// The largest plaintext record we send.
    public var maximumSendRecordSize: Int

    public init(
        identities: [TLSIdentity] = [], trustRoots: [Certificate] = [], minimumVersion: TLSVersion = .tls13,
        clientAuthentication: ClientAuthentication = .none, revocation: RevocationConfiguration = .off,
        handshakeTimeout: TimeAmount = .seconds(10), closeTimeout: TimeAmount = .seconds(5),
        maximumSendRecordSize: Int = TLSConfiguration.maximumRecordSize
    ) {
        self.identities = identities
        self.trustRoots = trustRoots
        self.minimumVersion = minimumVersion
        self.clientAuthentication = clientAuthentication
        self.revocation = revocation
        self.handshakeTimeout = handshakeTimeout
        self.closeTimeout = closeTimeout
        self.maximumSendRecordSize = maximumSendRecordSize
    }

    /// The TLS 1.3 suites offered (Corda's two AES-GCM suites, then ChaCha20-Poly1305).
    static let tls13CipherSuites = "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256"
    /// The TLS 1.2 suites offered when 1.2 is enabled: ECDHE with AEAD only.
    static let tls12CipherList =
        "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
        + "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"
}

/// Revocation checking: the mode, configured CRLs, and whether to fetch CRLs from distribution points.
public struct RevocationConfiguration: Sendable {
    public var mode: RevocationMode
    /// CRLs configured by the operator (e.g. read from files).
    public var revocationLists: [CertificateRevocationList]
    /// Fetches CRLs named in the certificates' distribution points; nil to use only `revocationLists`.
    public var fetcher: (any RevocationListSource)?

    public init(
        mode: RevocationMode, revocationLists: [CertificateRevocationList] = [], fetcher: (any RevocationListSource)? = nil
    ) {
        self.mode = mode
        self.revocationLists = revocationLists
        self.fetcher = fetcher
    }

    public static let off = RevocationConfiguration(mode: .off)

    /// Reads the CRL files an operator configured (PEM or DER, each at most `X509Limits.maximumEncodedSize`).
    public init(mode: RevocationMode, crlFiles: [String], fetcher: (any RevocationListSource)? = nil) throws(TLSError) {
        var lists: [CertificateRevocationList] = []
        for path in crlFiles {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw TLSError(.invalidConfiguration, "cannot read CRL file \(path)")
            }
            do {
                lists.append(try CertificateRevocationList(pemOrDER: Array(data)))
            } catch {
                throw TLSError(.invalidConfiguration, "CRL file \(path): \(error.code)")
            }
        }
        self.init(mode: mode, revocationLists: lists, fetcher: fetcher)
    }
}

/// Somewhere CRLs come from, by distribution-point URI (see ``CRLFetcher``).
public protocol RevocationListSource: Sendable {
    /// The current CRL at `uri`, or a failure when it cannot be had. Completes on any event loop.
    func revocationList(at uri: String, eventLoop: any EventLoop) -> EventLoopFuture<CertificateRevocationList>
}
