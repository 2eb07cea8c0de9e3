public import Foundation
public import P2PX509

/// The doorman's certificate authority: the network root (trust anchor) and the doorman CA it issued,
/// which signs every certificate the doorman hands out.
public struct DoormanAuthority: Sendable {
    /// Validity of a root made by ``initialise(home:existingCA:days:now:)``, in days.
    public static let defaultDays = 3_650
    /// Validity of issued certificates unless told otherwise, in days.
    public static let defaultIssuedDays = 365

    public let root: Certificate
    public let doormanCA: CertificateAuthority

    public init(root: Certificate, doormanCA: CertificateAuthority) throws(DoormanError) {
        guard doormanCA.certificate.isSigned(by: root), doormanCA.certificate.cordaRole == .doormanCA else {
            throw DoormanError(.notInitialised, "the doorman CA is not a DOORMAN_CA issued by the root")
        }
        self.root = root
        self.doormanCA = doormanCA
    }

    /// Creates a root (or takes the root of the `p2p ca` under `existingCA`) and a doorman CA under
    /// `home`. Refuses when `home` already holds a doorman CA.
    public static func initialise(
        home: DoormanHome, existingCA: URL? = nil, days: Int = defaultDays, now: Date = Date()
    ) throws(DoormanError) -> DoormanAuthority {
        guard !FileManager.default.fileExists(atPath: home.doormanKeyFile.path) else {
            throw DoormanError(.invalidConfiguration, "\(home.url.path) already holds a doorman CA")
        }
        guard (2...CertificateProfile.maximumValidityDays).contains(days) else {
            throw DoormanError(.invalidConfiguration, "validity must be 2…\(CertificateProfile.maximumValidityDays) days")
        }
        do {
            let rootCA: CertificateAuthority
            if let existingCA {
                rootCA = try FileCertificateAuthority.load(home: existingCA).authority
            } else {
                rootCA = try CertificateAuthority.selfSigned(
                    key: try PrivateKey(generating: .ecP256),
                    profile: .certificateAuthority(
                        subject: try DistinguishedName([
                            ("C", "GB"), ("L", "London"), ("O", "swift-p2p"), ("CN", "p2p doorman root"),
                        ]),
                        serialNumber: SerialNumber.random(), validFrom: now.addingTimeInterval(-60), days: days))
                try DurableFile.makeDirectory(home.rootKeyFile.deletingLastPathComponent())
                try DurableFile.write(Array(try rootCA.key.pemRepresentation.utf8), to: home.rootKeyFile, mode: 0o600)
            }
            let key = try PrivateKey(generating: .ecP256)
            var profile = CertificateProfile.certificateAuthority(
                subject: try DistinguishedName([
                    ("C", "GB"), ("L", "London"), ("O", "swift-p2p"), ("CN", "p2p doorman CA"),
                ]),
                serialNumber: SerialNumber.random(), validFrom: now.addingTimeInterval(-60), days: days - 1,
                pathLength: 1)
            profile.notValidAfter = min(profile.notValidAfter, rootCA.certificate.notValidAfter)
            profile.extendedKeyUsage = [.clientAuth]
            profile.additionalExtensions = [CordaCertificateRole.doormanCA.certificateExtension]
            let certificate = try rootCA.issue(profile: profile, publicKey: key.publicKey)
            try DurableFile.makeDirectory(home.doormanKeyFile.deletingLastPathComponent())
            try DurableFile.write(
                Array(try rootCA.certificate.pemRepresentation.utf8), to: home.rootCertificateFile, mode: 0o644)
            try DurableFile.write(Array(try certificate.pemRepresentation.utf8), to: home.doormanCertificateFile, mode: 0o644)
            try DurableFile.write(Array(try key.pemRepresentation.utf8), to: home.doormanKeyFile, mode: 0o600)
            return try DoormanAuthority(
                root: rootCA.certificate, doormanCA: try CertificateAuthority(key: key, certificate: certificate))
        } catch let error as DoormanError {
            throw error
        } catch {
            throw DoormanError(.issuanceFailed, "\(error)")
        }
    }

    /// Loads the root and doorman CA written by ``initialise(home:existingCA:days:now:)``.
    public static func load(home: DoormanHome) throws(DoormanError) -> DoormanAuthority {
        func text(_ url: URL) throws(DoormanError) -> String {
            guard let bytes = try DurableFile.read(url, maximumBytes: X509Limits.maximumEncodedSize) else {
                throw DoormanError(.notInitialised, "no \(url.lastPathComponent) under \(home.url.path); run p2p doorman init")
            }
            return String(decoding: bytes, as: UTF8.self)
        }
        let root = try text(home.rootCertificateFile)
        let certificate = try text(home.doormanCertificateFile)
        let key = try text(home.doormanKeyFile)
        do {
            return try DoormanAuthority(
                root: try Certificate(pemEncoded: root),
                doormanCA: try CertificateAuthority(key: try PrivateKey(pemEncoded: key), certificate: try Certificate(pemEncoded: certificate)))
        } catch let error as DoormanError {
            throw error
        } catch {
            throw DoormanError(.notInitialised, "\(error)")
        }
    }

    /// Issues the certificate a validated request asks for; returns the chain leaf first: issued,
    /// doorman CA, root.
    public func issue(
        _ request: ValidatedRequest, days: Int = defaultIssuedDays, nameConstraints: Bool = false, now: Date = Date()
    ) throws(DoormanError) -> [Certificate] {
        let validFrom = now.addingTimeInterval(-60)
        let notAfter = min(validFrom.addingTimeInterval(TimeInterval(days) * 86_400), doormanCA.certificate.notValidAfter)
        guard notAfter > validFrom else { throw DoormanError(.issuanceFailed, "the doorman CA has expired") }
        var profile = CertificateProfile(
            subject: request.request.subject, serialNumber: SerialNumber.random(), notValidBefore: validFrom,
            notValidAfter: notAfter, keyUsage: [.digitalSignature], extendedKeyUsage: [.clientAuth])
        switch request.role {
        case .nodeCA:
            profile.isCertificateAuthority = true
            profile.pathLength = 0
            profile.keyUsage = [.digitalSignature, .keyCertSign, .cRLSign]
        case .tls:
            profile.keyUsage = [.digitalSignature, .keyEncipherment, .keyAgreement]
            profile.extendedKeyUsage = [.serverAuth, .clientAuth]
            profile.alternativeNames = request.request.alternativeNames
        default:
            break
        }
        profile.additionalExtensions = [request.role.certificateExtension]
        do {
            if nameConstraints, request.role == .nodeCA {
                profile.additionalExtensions.append(
                    try .nameConstraints(permittingDirectoryName: request.request.subject))
            }
            let certificate = try doormanCA.issue(profile: profile, publicKey: request.request.publicKey)
            return [certificate, doormanCA.certificate, root]
        } catch { throw DoormanError(.issuanceFailed, "\(error)") }
    }
}
