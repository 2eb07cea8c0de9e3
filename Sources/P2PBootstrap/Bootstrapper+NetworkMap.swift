public import Foundation
import P2PIdentity
import P2PMembership
import P2PNetworkMap
import P2PX509

/// The network-map side of a bootstrapped network (`docs/bootstrapper.md`, "Network map"): a ready-to-serve home
/// for `p2p network-map serve` and, per identity, what `p2p network-map publish` needs.
extension Bootstrapper {
    /// Where the network map's home is written.
    public var networkMapHome: URL { directory.appending(path: "network-map") }

    /// `network-map/`: the root, the map's key and `NETWORK_MAP` certificate (issued by the network CA, kept while
    /// it fits), and `network-parameters.json`, whose epoch moves only when a parameter changes.
    func ensureNetworkMapHome(
        _ plan: BootstrapPlan, ca: FileCertificateAuthority, rootPEM: String, now: Date, report: inout Report
    ) throws {
        try AtomicFile.makeDirectory(networkMapHome, mode: 0o700)
        try writeIfChanged("network-map/root.pem", Array(rootPEM.utf8), mode: 0o644, report: &report)
        let subject: DistinguishedName
        do { subject = try DistinguishedName(commonName: "Network Map", organization: plan.groupId) } catch {
            throw BootstrapError(.issuanceFailed, "network-map subject: \(error)")
        }
        try ensureSignedKey(
            keyPath: "network-map/network-map-key.pem", certificatePath: "network-map/network-map-cert.pem", subject: subject,
            role: .networkMap, algorithm: .ecP256, ca: ca, days: plan.certificateValidityDays, now: now, report: &report)

        let parametersPath = "network-map/network-parameters.json"
        let group: GroupID
        do { group = try GroupID(plan.groupId) } catch { throw BootstrapError(.issuanceFailed, "\(error)") }
        let modes = plan.protocolModes.compactMap(GroupProtocolMode.init(rawValue:))
        var parameters = NetworkParameters(
            groupId: group, epoch: 1, modifiedTimeMillis: Int64(now.timeIntervalSince1970 * 1000), protocolModes: modes,
            maxMessageSize: plan.maxMessageSize, minimumPlatformVersion: 1, eventHorizonSeconds: plan.eventHorizonSeconds)
        if let existing = try AtomicFile.read(directory.appending(path: parametersPath)) {
            let previous: NetworkParameters
            do { previous = try NetworkParameters.parseInput(existing) } catch {
                throw BootstrapError(.fileUnreadable, "\(parametersPath): \(error)")
            }
            var same = parameters
            same.epoch = previous.epoch
            same.modifiedTimeMillis = previous.modifiedTimeMillis
            parameters = same == previous ? previous : { var next = parameters; next.epoch = previous.epoch + 1; return next }()
        }
        do { try parameters.validate() } catch { throw BootstrapError(.issuanceFailed, "network parameters: \(error)") }
        try writeIfChanged(parametersPath, try Self.encode(parameters), mode: 0o644, report: &report)
    }

    /// `clusters/<cluster>/members/<identity>/`: the member's signing key and certificate (subject = its X.500 name,
    /// issued by the network CA, no role) and `member.json`, the record `p2p network-map publish` signs. The serial
    /// starts at 1 and goes up when the record's content changes.
    func ensureMemberRecords(
        _ cluster: BootstrapPlan.Cluster, sessionKeys: [NetworkAssembly.SessionKey], plan: BootstrapPlan,
        ca: FileCertificateAuthority, now: Date, report: inout Report
    ) throws {
        for key in sessionKeys {
            let name: X500Name
            let group: GroupID
            do {
                name = try X500Name(key.x500Name)
                group = try GroupID(plan.groupId)
            } catch { throw BootstrapError(.issuanceFailed, "\(key.x500Name): \(error)") }
            let folder = "clusters/\(cluster.name)/members/\(Self.memberFolder(name))"
            try AtomicFile.makeDirectory(directory.appending(path: folder), mode: 0o700)
            var components: [(attribute: String, value: String)] = []
            for attribute in X500Name.Attribute.allCases {
                if let value = name[attribute] { components.append((attribute.rawValue, value)) }
            }
            let subject: DistinguishedName
            do { subject = try DistinguishedName(components) } catch {
                throw BootstrapError(.issuanceFailed, "subject of \(name): \(error)")
            }
            try ensureSignedKey(
                keyPath: "\(folder)/member-key.pem", certificatePath: "\(folder)/member-cert.pem", subject: subject, role: nil,
                algorithm: .ecP256, ca: ca, days: plan.certificateValidityDays, now: now, report: &report)

            let recordPath = "\(folder)/member.json"
            var member = MemberInfo(
                holdingIdentity: HoldingIdentity(name: name, groupID: group), endpoints: [cluster.endpoint],
                sessionPublicKeys: [key.publicKeyPEM], status: .active, serial: 1)
            if let existing = try AtomicFile.read(directory.appending(path: recordPath)) {
                let previous: MemberInfo
                do { previous = try MemberRecord.parseMember(existing).member } catch {
                    throw BootstrapError(.fileUnreadable, "\(recordPath): \(error)")
                }
                var same = member
                same.serial = previous.serial
                member = same == previous ? previous : { var next = member; next.serial = previous.serial + 1; return next }()
            }
            try writeIfChanged(recordPath, try Self.encode(member), mode: 0o644, report: &report)
        }
    }

    /// A key (mode 0600) and its certificate from the network CA, kept while the certificate is the CA's, has the
    /// wanted subject and role, matches the key and is not about to expire; otherwise both are made anew.
    private func ensureSignedKey(
        keyPath: String, certificatePath: String, subject: DistinguishedName, role: CordaCertificateRole?,
        algorithm: KeyAlgorithm, ca: FileCertificateAuthority, days: Int, now: Date, report: inout Report
    ) throws {
        let keyURL = directory.appending(path: keyPath)
        let certificateURL = directory.appending(path: certificatePath)
        if let keyBytes = try AtomicFile.read(keyURL), let certificateBytes = try AtomicFile.read(certificateURL),
            let key = try? PrivateKey(pemEncoded: String(decoding: keyBytes, as: UTF8.self)),
            let certificate = try? Certificate(pemEncoded: String(decoding: certificateBytes, as: UTF8.self)),
            certificate.isSigned(by: ca.authority.certificate), certificate.subject == subject, certificate.cordaRole == role,
            certificate.notValidAfter > now.addingTimeInterval(Self.renewalWindow), certificate.publicKey == key.publicKey
        {
            record(.unchanged, certificatePath, in: &report)
            return
        }
        let existed = FileManager.default.fileExists(atPath: certificateURL.path)
        do {
            let key = try PrivateKey(generating: algorithm)
            var profile = CertificateProfile(
                subject: subject, serialNumber: SerialNumber.random(), notValidBefore: now.addingTimeInterval(-60),
                notValidAfter: now.addingTimeInterval(TimeInterval(days) * 86_400), keyUsage: [.digitalSignature])
            if let role { profile.additionalExtensions = [role.certificateExtension] }
            let certificate = try ca.authority.issue(profile: profile, publicKey: key.publicKey)
            try AtomicFile.write(keyURL, Array(try key.pemRepresentation.utf8), mode: 0o600)
            try AtomicFile.write(certificateURL, Array(try certificate.pemRepresentation.utf8), mode: 0o644)
        } catch let error as BootstrapError {
            throw error
        } catch {
            throw BootstrapError(.issuanceFailed, "\(certificatePath): \(error)")
        }
        record(existed ? .updated : .created, certificatePath, in: &report)
    }

    /// A folder name for a member: its organisation in lower-case letters and digits, then 8 hex digits of the
    /// SHA-256 of its canonical name (stable, and distinct for names that share an organisation).
    static func memberFolder(_ name: X500Name) -> String {
        let letters = name.organisation.lowercased().unicodeScalars.filter { ("a"..."z").contains($0) || ("0"..."9").contains($0) }
        let hash = SecureHash(of: Array(name.description.utf8)).hex.lowercased().prefix(8)
        return "\(String(String.UnicodeScalarView(letters.prefix(40))))-\(hash)"
    }
}
