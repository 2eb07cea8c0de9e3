public import Foundation
import P2PIdentity
import P2PMembership
import P2PSetup
import P2PX509

/// `p2p bootstrap`: pre-creates a whole network into a directory from a ``BootstrapPlan`` (`docs/bootstrapper.md`):
/// a network CA, each cluster's gateway TLS certificate and key, cluster key, identities' session keys, and the
/// `network.json` each cluster applies with `p2p setup apply`. Re-running is idempotent: existing keys are kept,
/// certificates are re-issued only when they no longer fit (host changed, another CA, expiring), files are
/// rewritten only when their content changes, and the epoch in `bootstrap.json` moves only then.
public struct Bootstrapper: Sendable {
    /// What a run did, by path relative to the directory.
    public struct Report: Sendable, Hashable {
        public var created: [String] = []
        public var updated: [String] = []
        public var unchanged: [String] = []
        /// Cluster directories under `clusters/` that the plan no longer names (left in place).
        public var stale: [String] = []
        /// The network's epoch after the run: 1 on the first run, one more for each run that changed anything.
        public var epoch = 0

        public var changed: Bool { !created.isEmpty || !updated.isEmpty }
    }

    /// A certificate expiring within this much time is re-issued.
    public static let renewalWindow: TimeInterval = 7 * 86_400

    public let directory: URL

    public init(directory: URL) { self.directory = directory }

    public var caHome: URL { directory.appending(path: "pki") }
    public var rootCertificateFile: URL { caHome.appending(path: "ca/root-certificate.pem") }
    public func clusterDirectory(_ name: String) -> URL { directory.appending(path: "clusters/\(name)") }

    /// Builds or brings up to date everything `plan` describes.
    public func run(_ plan: BootstrapPlan, now: Date = Date()) throws -> Report {
        try plan.validate()
        var report = Report()
        try AtomicFile.makeDirectory(directory, mode: 0o755)
        let caExisted = FileManager.default.fileExists(atPath: rootCertificateFile.path)
        let ca: FileCertificateAuthority
        do {
            ca = try FileCertificateAuthority.createOrLoad(
                home: caHome, algorithm: .ecP256, days: plan.certificateValidityDays * 10, now: now)
        } catch {
            throw BootstrapError(.issuanceFailed, "network CA under \(caHome.path): \(error)")
        }
        record(caExisted ? .unchanged : .created, "pki/ca/root-certificate.pem", in: &report)
        let rootPEM: String
        do { rootPEM = try ca.authority.certificate.pemRepresentation } catch {
            throw BootstrapError(.fileUnreadable, "network CA certificate: \(error)")
        }

        var clusters: [NetworkAssembly.Cluster] = []
        for cluster in plan.clusters {
            let folder = clusterDirectory(cluster.name)
            try AtomicFile.makeDirectory(folder, mode: 0o700)
            try ensureClusterKey(folder.appending(path: "cluster.key"), name: cluster.name, report: &report)
            let (tlsKey, tlsCertificate) = try ensureTLSCertificate(cluster, ca: ca, days: plan.certificateValidityDays, now: now, report: &report)
            let sessionKeys = try ensureSessionKeys(cluster, folder: folder, report: &report)
            try ensureMemberRecords(cluster, sessionKeys: sessionKeys, plan: plan, ca: ca, now: now, report: &report)
            var gateway = GatewayConfiguration()
            gateway.hostAddress = cluster.listenAddress
            gateway.hostPort = cluster.port
            gateway.tlsType = plan.tlsType
            clusters.append(
                NetworkAssembly.Cluster(
                    name: cluster.name, endpoint: cluster.endpoint, gateway: gateway, tlsPrivateKeyPEM: tlsKey,
                    tlsCertificatePEM: tlsCertificate, sessionKeys: sessionKeys))
        }
        let group = GroupInput(
            groupId: plan.groupId, protocolModes: plan.protocolModes, trustRootCertificates: [rootPEM],
            maxMessageSize: plan.maxMessageSize)
        try ensureNetworkMapHome(plan, ca: ca, rootPEM: rootPEM, now: now, report: &report)
        let files = NetworkAssembly.networkFiles(group: group, linkManager: plan.linkManagerConfig, clusters: clusters)
        for (cluster, file) in zip(plan.clusters, files) {
            try writeIfChanged(
                "clusters/\(cluster.name)/network.json", try Self.encode(file), mode: 0o600, report: &report)
        }
        report.stale = staleClusters(plan)

        let stateFile = directory.appending(path: "bootstrap.json")
        let previous = try AtomicFile.read(stateFile).map { bytes throws(BootstrapError) in
            do { return try JSONDecoder().decode(BootstrapState.self, from: Data(bytes)) } catch {
                throw BootstrapError(.fileUnreadable, "\(stateFile.path): \(error)")
            }
        }
        let epoch = (previous?.epoch ?? 0) + (report.changed || previous == nil ? 1 : 0)
        report.epoch = epoch
        if previous?.epoch != epoch {
            try AtomicFile.write(stateFile, try Self.encode(BootstrapState(schemaVersion: 1, epoch: epoch)), mode: 0o644)
        }
        return report
    }

    // MARK: Pieces

    enum Outcome { case created, updated, unchanged }

    func record(_ outcome: Outcome, _ path: String, in report: inout Report) {
        switch outcome {
        case .created: report.created.append(path)
        case .updated: report.updated.append(path)
        case .unchanged: report.unchanged.append(path)
        }
    }

    private func ensureClusterKey(_ file: URL, name: String, report: inout Report) throws {
        let path = "clusters/\(name)/cluster.key"
        if FileManager.default.fileExists(atPath: file.path) {
            _ = try ClusterKey(contentsOf: file.path)  // present and usable (mode 0600, right size)
            record(.unchanged, path, in: &report)
        } else {
            try ClusterKey.generate().write(toNewFile: file.path)
            record(.created, path, in: &report)
        }
    }

    /// The gateway's TLS key and certificate (PEM), issued by the network CA for the cluster's host; kept while it
    /// still fits.
    private func ensureTLSCertificate(
        _ cluster: BootstrapPlan.Cluster, ca: FileCertificateAuthority, days: Int, now: Date, report: inout Report
    ) throws -> (key: String, certificate: String) {
        let name = "\(cluster.name)-gateway"
        let certificateFile = caHome.appending(path: "\(name)/certificate.pem")
        let keyFile = caHome.appending(path: "\(name)/keys.pem")
        let path = "pki/\(name)/certificate.pem"
        if let certificateBytes = try AtomicFile.read(certificateFile), let keyBytes = try AtomicFile.read(keyFile) {
            let certificatePEM = String(decoding: certificateBytes, as: UTF8.self)
            let keyPEM = String(decoding: keyBytes, as: UTF8.self)
            if let certificate = try? Certificate(pemEncoded: certificatePEM), let key = try? PrivateKey(pemEncoded: keyPEM),
                certificate.isSigned(by: ca.authority.certificate), certificate.matches(host: cluster.host),
                certificate.notValidAfter > now.addingTimeInterval(Self.renewalWindow),
                let publicKey = certificate.publicKey, publicKey == key.publicKey
            {
                record(.unchanged, path, in: &report)
                return (keyPEM, certificatePEM)
            }
            record(.updated, path, in: &report)
        } else {
            record(.created, path, in: &report)
        }
        let isAddress = (try? SubjectAlternativeName.ipAddress(cluster.host)) != nil
        do {
            let issued = try ca.createCertificate(
                dnsNames: isAddress ? [] : [cluster.host], ipAddresses: isAddress ? [cluster.host] : [], name: name,
                algorithm: .ecP256, days: days, now: now)
            guard let key = try AtomicFile.read(issued.keyFile) else { throw BootstrapError(.fileUnreadable, issued.keyFile.path) }
            return (String(decoding: key, as: UTF8.self), try issued.certificate.pemRepresentation)
        } catch let error as BootstrapError {
            throw error
        } catch {
            throw BootstrapError(.issuanceFailed, "TLS certificate of \(cluster.name): \(error)")
        }
    }

    /// The hosted identities' Ed25519 session keys, kept in `session-keys.json` (mode 0600) by canonical X.500 name;
    /// missing ones are generated, those of identities the plan no longer names are dropped.
    private func ensureSessionKeys(
        _ cluster: BootstrapPlan.Cluster, folder: URL, report: inout Report
    ) throws -> [NetworkAssembly.SessionKey] {
        let file = folder.appending(path: "session-keys.json")
        var stored: [String: String] = [:]
        if let bytes = try AtomicFile.read(file) {
            do { stored = try JSONDecoder().decode([String: String].self, from: Data(bytes)) } catch {
                throw BootstrapError(.fileUnreadable, "\(file.path): \(error)")
            }
        }
        var kept: [String: String] = [:]
        var keys: [NetworkAssembly.SessionKey] = []
        for text in cluster.identities {
            let canonical = try X500Name(text).description
            let privatePEM: String
            let key: PrivateKey
            do {
                if let existing = stored[canonical] {
                    key = try PrivateKey(pemEncoded: existing)
                    privatePEM = existing
                } else {
                    key = try PrivateKey(generating: .ed25519)
                    privatePEM = try key.pemRepresentation
                }
                kept[canonical] = privatePEM
                keys.append(
                    NetworkAssembly.SessionKey(
                        x500Name: canonical, privateKeyPEM: privatePEM, publicKeyPEM: try key.publicKey.pemRepresentation))
            } catch {
                throw BootstrapError(.issuanceFailed, "session key of \(canonical): \(error)")
            }
        }
        try writeIfChanged("clusters/\(cluster.name)/session-keys.json", try Self.encode(kept), mode: 0o600, report: &report)
        return keys
    }

    func writeIfChanged(_ path: String, _ bytes: [UInt8], mode: mode_t, report: inout Report) throws(BootstrapError) {
        let url = directory.appending(path: path)
        let existing = try AtomicFile.read(url)
        if existing == bytes {
            record(.unchanged, path, in: &report)
            return
        }
        try AtomicFile.write(url, bytes, mode: mode)
        record(existing == nil ? .created : .updated, path, in: &report)
    }

    private func staleClusters(_ plan: BootstrapPlan) -> [String] {
        let names = Set(plan.clusters.map(\.name))
        let present = (try? FileManager.default.contentsOfDirectory(atPath: directory.appending(path: "clusters").path)) ?? []
        return present.filter { !$0.hasPrefix(".") && !names.contains($0) }.sorted()
    }

    /// Deterministic JSON: sorted keys, pretty, a final newline, so unchanged content is byte-identical.
    static func encode(_ value: some Encodable) throws(BootstrapError) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        do { return Array(try encoder.encode(value)) + [0x0A] } catch {
            throw BootstrapError(.fileUnwritable, "encoding: \(error)")
        }
    }
}

/// `bootstrap.json`: the network's epoch.
struct BootstrapState: Codable, Sendable, Hashable {
    var schemaVersion: Int
    var epoch: Int
}
