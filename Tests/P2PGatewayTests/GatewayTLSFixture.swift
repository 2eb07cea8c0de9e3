import Foundation
import Logging
import NIOCore
import P2PGateway
import P2PTLS
import P2PX509

/// A test root, a server identity for 127.0.0.1 and localhost, and the two TLS contexts: the
/// `P2PTLS` handler in front of the gateway's HTTP codec on both sides.
struct GatewayTLSFixture {
    let rootPEMPath: String
    let server: TLSContext
    let client: TLSContext
    let logger = Logger(label: "p2p.gateway.tests")

    init(directory: URL) throws {
        let now = Date()
        let authority = try CertificateAuthority.selfSigned(
            key: try PrivateKey(generating: .ecP256),
            profile: .certificateAuthority(
                subject: try DistinguishedName(commonName: "Gateway Test Root", country: "UK"),
                serialNumber: SerialNumber.random(), validFrom: now.addingTimeInterval(-3600), days: 2))
        let key = try PrivateKey(generating: .ecP256)
        let certificate = try authority.issue(
            profile: .tlsEndEntity(
                subject: try DistinguishedName(commonName: "localhost"),
                alternativeNames: [.dns("localhost"), try .ipAddress("127.0.0.1")], serialNumber: SerialNumber(2),
                validFrom: now.addingTimeInterval(-3600), days: 1),
            publicKey: key.publicKey)
        let root = directory.appendingPathComponent("root.pem")
        try Data(try authority.certificate.pemRepresentation.utf8).write(to: root)
        rootPEMPath = root.path
        server = try TLSContext(
            role: .server, configuration: TLSConfiguration(identities: [try TLSIdentity(chain: [certificate], key: key)]))
        client = try TLSContext(role: .client, configuration: TLSConfiguration(trustRoots: [authority.certificate]))
    }

    var serverPreparation: GatewayServer.ChannelPreparation {
        let (context, logger) = (server, logger)
        return { channel in try channel.pipeline.syncOperations.addHandler(try TLSHandler(context: context, logger: logger)) }
    }

    var clientPreparation: GatewayConnectionPool.ChannelPreparation {
        let (context, logger) = (client, logger)
        return { channel, endpoint in
            guard endpoint.usesTLS else { return }
            try channel.pipeline.syncOperations.addHandler(
                try TLSHandler(context: context, serverHostname: endpoint.host, logger: logger))
        }
    }
}
