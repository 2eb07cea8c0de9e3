import Logging
import NIOCore
import Synchronization
import P2PGateway
import P2PLinkManagerService
import P2PMembership
import P2PTLS
import P2PX509

/// The gateway's TLS material, taken from membership: the hosted identities' certificate chains with
/// their keys (opened with the cluster key) and the groups' trust roots.
struct ClusterTLS: Sendable {
    let server: TLSContext
    let client: TLSContext
    let logger: Logger

    init(
        directory: MembershipDirectory, configuration: GatewayConfiguration, revocationSource: (any RevocationListSource)?,
        logger: Logger
    ) throws {
        var identities: [TLSIdentity] = []
        var seen: Set<String> = []
        for hosted in directory.hostedIdentities.records.values.sorted(by: { $0.tableKey < $1.tableKey }) {
            let chain = try hosted.tlsCertificates.map { try Certificate(pemEncoded: $0) }
            guard let leaf = chain.first, let leafKey = leaf.publicKey, seen.insert(leaf.sha256Fingerprint).inserted else { continue }
            guard let key = directory.privateKey(tenant: hosted.tlsTenantId, where: { $0.privateKey.publicKey == leafKey }) else {
                throw ClusterError(.keyUnavailable, "no TLS key of tenant \(hosted.tlsTenantId) for \(hosted.holdingIdentity)")
            }
            identities.append(try TLSIdentity(chain: chain, key: key.privateKey))
        }
        var roots: [Certificate] = []
        for policy in directory.policies.records.values {
            for pem in policy.trustRootCertificates { roots.append(try Certificate(pemEncoded: pem)) }
        }
        guard !identities.isEmpty else { throw ClusterError(.incompleteSetup, "no hosted identity with a TLS certificate") }
        guard !roots.isEmpty else { throw ClusterError(.incompleteSetup, "no group trust roots") }
        let mutual = configuration.tlsType == .mutual
        let revocation = RevocationConfiguration(
            mode: RevocationMode(rawValue: configuration.revocationMode.rawValue) ?? .hardFail,
            fetcher: configuration.revocationMode == .off ? nil : revocationSource)
        server = try TLSContext(
            role: .server,
            configuration: TLSConfiguration(
                identities: identities, trustRoots: roots, clientAuthentication: mutual ? .required : .none,
                revocation: revocation))
        client = try TLSContext(
            role: .client,
            configuration: TLSConfiguration(
                identities: mutual ? [identities[0]] : [], trustRoots: roots, revocation: revocation))
        self.logger = logger
    }

}

/// The TLS contexts in force, replaced when a new configuration changes TLS: every new connection
/// (accepted or opened) takes the contexts in force when it starts; open connections keep theirs.
final class ClusterTLSBox: Sendable {
    private let current: Mutex<ClusterTLS>

    init(_ tls: ClusterTLS) { current = Mutex(tls) }

    var tls: ClusterTLS { current.withLock { $0 } }

    func replace(with tls: ClusterTLS) { current.withLock { $0 = tls } }

    var serverPreparation: GatewayServer.ChannelPreparation {
        { channel in
            let tls = self.current.withLock { $0 }
            try channel.pipeline.syncOperations.addHandler(try TLSHandler(context: tls.server, logger: tls.logger))
        }
    }

    var clientPreparation: GatewayConnectionPool.ChannelPreparation {
        { channel, endpoint in
            guard endpoint.usesTLS else { return }
            let tls = self.current.withLock { $0 }
            try channel.pipeline.syncOperations.addHandler(
                try TLSHandler(context: tls.client, serverHostname: endpoint.host, logger: tls.logger))
        }
    }
}
