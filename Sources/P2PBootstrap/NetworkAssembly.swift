public import P2PMembership
public import P2PSetup

/// Builds each cluster's `p2p setup apply` file from the key material of a whole network: the pure part of the
/// bootstrapper, also used by the embedded demo (`DemoNetwork`). Every cluster's file lists every member of the
/// group (so each bus knows every peer) and only its own hosted identities and private keys.
public enum NetworkAssembly {
    /// One identity's session key pair, PEM.
    public struct SessionKey: Sendable, Hashable {
        public var x500Name: String
        public var privateKeyPEM: String
        public var publicKeyPEM: String

        public init(x500Name: String, privateKeyPEM: String, publicKeyPEM: String) {
            self.x500Name = x500Name
            self.privateKeyPEM = privateKeyPEM
            self.publicKeyPEM = publicKeyPEM
        }
    }

    /// What one cluster contributes: where its gateway is reached, its TLS key and certificate, its identities.
    public struct Cluster: Sendable, Hashable {
        public var name: String
        public var endpoint: String
        public var gateway: GatewayConfiguration
        public var tlsPrivateKeyPEM: String
        public var tlsCertificatePEM: String
        public var sessionKeys: [SessionKey]

        public init(
            name: String, endpoint: String, gateway: GatewayConfiguration, tlsPrivateKeyPEM: String, tlsCertificatePEM: String,
            sessionKeys: [SessionKey]
        ) {
            self.name = name
            self.endpoint = endpoint
            self.gateway = gateway
            self.tlsPrivateKeyPEM = tlsPrivateKeyPEM
            self.tlsCertificatePEM = tlsCertificatePEM
            self.sessionKeys = sessionKeys
        }
    }

    /// One network file per cluster, in the order of `clusters`.
    public static func networkFiles(
        group: GroupInput, linkManager: LinkManagerConfiguration?, clusters: [Cluster]
    ) -> [NetworkFile] {
        let members = clusters.flatMap { cluster in
            cluster.sessionKeys.map { key in
                MemberInput(
                    x500Name: key.x500Name, groupId: group.groupId, endpoints: [cluster.endpoint],
                    sessionPublicKeys: [key.publicKeyPEM])
            }
        }
        return clusters.map { cluster in
            let tlsTenant = "tls-\(cluster.name)"
            var keys = [KeysInput(tenantId: tlsTenant, privateKey: cluster.tlsPrivateKeyPEM)]
            var identities: [IdentityInput] = []
            for (index, key) in cluster.sessionKeys.enumerated() {
                let sessionTenant = "session-\(cluster.name)-\(index)"
                keys.append(KeysInput(tenantId: sessionTenant, privateKey: key.privateKeyPEM))
                identities.append(
                    IdentityInput(
                        x500Name: key.x500Name, groupId: group.groupId, tlsTenantId: tlsTenant, sessionKeyTenantId: sessionTenant,
                        tlsCertificates: [cluster.tlsCertificatePEM], sessionPublicKey: key.publicKeyPEM))
            }
            return NetworkFile(
                gatewayConfig: cluster.gateway, linkManagerConfig: linkManager, groupsToAdd: [group], keysToAdd: keys,
                membersToAdd: members, identitiesToAdd: identities)
        }
    }
}
