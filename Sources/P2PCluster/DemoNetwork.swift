import Foundation
import P2PBootstrap
public import P2PIdentity
public import P2PMembership
import P2PSetup
import P2PX509

/// A complete network generated on the spot: a test CA, one TLS certificate per cluster (for
/// `localhost` and `127.0.0.1`), one Ed25519 session key per identity, and one network file per
/// cluster (the `p2p setup apply` format of `docs/examples/network.json`) with its cluster key.
public struct DemoNetwork: Sendable {
    /// One cluster of the network: the identities it hosts and its gateway port.
    public struct ClusterPlan: Sendable {
        public var organisations: [String]
        public var port: Int

        public init(organisations: [String], port: Int) {
            self.organisations = organisations
            self.port = port
        }
    }

    public let groupID: GroupID
    /// Per cluster: its network file and the key that seals its private keys.
    public let networkFiles: [[UInt8]]
    public let clusterKeys: [ClusterKey]
    /// Per cluster: the identities it hosts.
    public let identities: [[HoldingIdentity]]
    /// The CA's certificate, PEM.
    public let rootCertificatePEM: String

    /// The X.500 name of an organisation in the demo network.
    public static func x500Name(_ organisation: String) -> String { "O=\(organisation), L=London, C=GB" }

    public static func generate(
        clusters: [ClusterPlan], groupID: String = "demo-network", linkManager: LinkManagerConfiguration = .init(),
        tlsType: GatewayConfiguration.TLSType = .oneWay
    ) throws -> DemoNetwork {
        let now = Date()
        let group = try GroupID(groupID)
        let authority = try CertificateAuthority.selfSigned(
            key: try PrivateKey(generating: .ecP256),
            profile: .certificateAuthority(
                subject: try DistinguishedName(commonName: "Demo Network Test CA", country: "GB"),
                serialNumber: SerialNumber.random(), validFrom: now.addingTimeInterval(-3600), days: 2))
        let root = try authority.certificate.pemRepresentation

        var clusterMaterial: [NetworkAssembly.Cluster] = []
        var keys: [ClusterKey] = []
        var hosted: [[HoldingIdentity]] = []
        for (index, plan) in clusters.enumerated() {
            let tlsKey = try PrivateKey(generating: .ecP256)
            let certificate = try authority.issue(
                profile: .tlsEndEntity(
                    subject: try DistinguishedName(commonName: "cluster-\(index)"),
                    alternativeNames: [.dns("localhost"), try .ipAddress("127.0.0.1")], serialNumber: SerialNumber.random(),
                    validFrom: now.addingTimeInterval(-3600), days: 1),
                publicKey: tlsKey.publicKey)
            var gateway = GatewayConfiguration()
            gateway.hostAddress = "127.0.0.1"
            gateway.hostPort = plan.port
            gateway.tlsType = tlsType
            let sessionKeys = try plan.organisations.map { organisation in
                let key = try PrivateKey(generating: .ed25519)
                return NetworkAssembly.SessionKey(
                    x500Name: x500Name(organisation), privateKeyPEM: try key.pemRepresentation,
                    publicKeyPEM: try key.publicKey.pemRepresentation)
            }
            clusterMaterial.append(
                NetworkAssembly.Cluster(
                    name: "\(index)", endpoint: "https://127.0.0.1:\(plan.port)", gateway: gateway,
                    tlsPrivateKeyPEM: try tlsKey.pemRepresentation, tlsCertificatePEM: try certificate.pemRepresentation,
                    sessionKeys: sessionKeys))
            keys.append(ClusterKey.generate())
            hosted.append(try plan.organisations.map { HoldingIdentity(name: try X500Name(x500Name($0)), groupID: group) })
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let files = try NetworkAssembly.networkFiles(
            group: GroupInput(groupId: groupID, trustRootCertificates: [root]), linkManager: linkManager, clusters: clusterMaterial
        ).map { Array(try encoder.encode($0)) }
        return DemoNetwork(groupID: group, networkFiles: files, clusterKeys: keys, identities: hosted, rootCertificatePEM: root)
    }
}
