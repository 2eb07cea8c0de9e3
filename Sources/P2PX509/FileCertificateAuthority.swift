import COpenSSL
public import Foundation

/// A test certificate authority whose state lives in a directory (the `p2p ca` tool, after Corda's fake CA).
///
/// Layout under `home`:
/// - `ca/root-certificate.pem`: the CA certificate;
/// - `ca/.ca/private-key.pem` (mode 0600), `ca/.ca/serial-number.txt` (last serial issued),
///   `ca/.ca/revoked.txt` (one `SERIAL-HEX UNIX-SECONDS` line per revocation), `ca/.ca/crl-number.txt`;
/// - `ca/crl.pem`: the latest revocation list;
/// - `<name>/certificate.pem`, `<name>/keys.pem` (mode 0600) and `<name>/request.pem` per certificate.
public struct FileCertificateAuthority: Sendable {
    /// Certificates a CA may hold names for (directory names of issued certificates).
    public static let maximumNameLength = 64
    /// The most revocations recorded.
    public static let maximumRevocations = CertificateRevocationList.maximumEntries
    /// How long a CRL produced by `crl` claims to be current.
    public static let revocationListLifetime: TimeInterval = 7 * 86_400

    public let home: URL
    public let authority: CertificateAuthority

    private var caDirectory: URL { home.appending(path: "ca") }
    private var stateDirectory: URL { caDirectory.appending(path: ".ca") }
    public var rootCertificateFile: URL { caDirectory.appending(path: "root-certificate.pem") }
    public var revocationListFile: URL { caDirectory.appending(path: "crl.pem") }
    private var keyFile: URL { stateDirectory.appending(path: "private-key.pem") }
    private var serialFile: URL { stateDirectory.appending(path: "serial-number.txt") }
    private var revokedFile: URL { stateDirectory.appending(path: "revoked.txt") }
    private var crlNumberFile: URL { stateDirectory.appending(path: "crl-number.txt") }

    /// Loads the CA under `home`, creating it (key of `algorithm`, valid `days`) when absent.
    public static func createOrLoad(
        home: URL, algorithm: KeyAlgorithm = .default, days: Int = 30, now: Date = Date()
    ) throws(X509Error) -> FileCertificateAuthority {
        let keyFile = home.appending(path: "ca/.ca/private-key.pem")
        let certificateFile = home.appending(path: "ca/root-certificate.pem")
        if FileManager.default.fileExists(atPath: keyFile.path) {
            let key = try PrivateKey(pemEncoded: try SecureFile.readString(keyFile))
            let certificate = try Certificate(pemEncoded: try SecureFile.readString(certificateFile))
            return FileCertificateAuthority(home: home, authority: try CertificateAuthority(key: key, certificate: certificate))
        }
        try SecureFile.makeDirectory(home.appending(path: "ca/.ca"), mode: 0o700)
        let key = try PrivateKey(generating: algorithm)
        let subject = try DistinguishedName(commonName: "p2p test CA", organization: "swift-p2p", country: "UK")
        let authority = try CertificateAuthority.selfSigned(
            key: key,
            profile: .certificateAuthority(
                subject: subject, serialNumber: SerialNumber.random(), validFrom: now.addingTimeInterval(-60), days: days))
        try SecureFile.write(keyFile, Array(try key.pemRepresentation.utf8), mode: 0o600)
        try SecureFile.write(certificateFile, Array(try authority.certificate.pemRepresentation.utf8), mode: 0o644)
        try SecureFile.write(home.appending(path: "ca/.ca/serial-number.txt"), Array("0\n".utf8), mode: 0o600)
        return FileCertificateAuthority(home: home, authority: authority)
    }

    /// Loads an existing CA; throws when `create-ca` was not run.
    public static func load(home: URL) throws(X509Error) -> FileCertificateAuthority {
        guard FileManager.default.fileExists(atPath: home.appending(path: "ca/.ca/private-key.pem").path) else {
            throw X509Error(.notACertificateAuthority, "no CA under \(home.path); run create-ca first")
        }
        return try createOrLoad(home: home)
    }

    /// What `createCertificate` wrote.
    public struct IssuedFiles: Sendable {
        public let certificate: Certificate
        public let certificateFile: URL
        public let keyFile: URL
        public let requestFile: URL
    }

    /// Generates a key pair, writes a PKCS#10 request for it, signs it, and writes all three under `home/<name>`.
    public func createCertificate(
        dnsNames: [String], ipAddresses: [String] = [], name: String? = nil, algorithm: KeyAlgorithm = .default,
        days: Int = 30, crlDistributionPoints: [String] = [], now: Date = Date()
    ) throws(X509Error) -> IssuedFiles {
        guard let first = dnsNames.first ?? ipAddresses.first else {
            throw X509Error(.invalidSubjectAlternativeName, "at least one DNS name is needed")
        }
        let directoryName = name ?? first
        try Self.validate(directoryName: directoryName)
        var alternativeNames = dnsNames.map { SubjectAlternativeName.dns($0) }
        for address in ipAddresses { alternativeNames.append(try .ipAddress(address)) }
        let subject = try DistinguishedName(commonName: first, country: "UK")
        let key = try PrivateKey(generating: algorithm)
        let request = try CertificateSigningRequest(subject: subject, alternativeNames: alternativeNames, key: key)
        let directory = home.appending(path: directoryName)
        try SecureFile.makeDirectory(directory, mode: 0o755)
        try SecureFile.write(directory.appending(path: "keys.pem"), Array(try key.pemRepresentation.utf8), mode: 0o600)
        try SecureFile.write(directory.appending(path: "request.pem"), Array(try request.pemRepresentation.utf8), mode: 0o644)
        let certificate = try signRequest(
            request, name: directoryName, days: days, crlDistributionPoints: crlDistributionPoints, now: now)
        let files = IssuedFiles(
            certificate: certificate, certificateFile: directory.appending(path: "certificate.pem"),
            keyFile: directory.appending(path: "keys.pem"), requestFile: directory.appending(path: "request.pem"))
        return files
    }

    /// Signs a PKCS#10 request made elsewhere (e.g. by `openssl req`) and writes `home/<name>/certificate.pem`.
    public func signRequest(
        _ request: CertificateSigningRequest, name: String, days: Int = 30, crlDistributionPoints: [String] = [],
        now: Date = Date()
    ) throws(X509Error) -> Certificate {
        try Self.validate(directoryName: name)
        let certificate = try authority.issue(
            request: request,
            profile: .tlsEndEntity(
                subject: request.subject, alternativeNames: [], serialNumber: try nextSerialNumber(),
                validFrom: now.addingTimeInterval(-60), days: days, crlDistributionPoints: crlDistributionPoints))
        let directory = home.appending(path: name)
        try SecureFile.makeDirectory(directory, mode: 0o755)
        try SecureFile.write(
            directory.appending(path: "certificate.pem"), Array(try certificate.pemRepresentation.utf8), mode: 0o644)
        return certificate
    }

    /// Records `serialNumber` (or the serial of the certificate under `home/<nameOrSerial>`) as revoked,
    /// then rewrites the CRL. Returns the revoked serial.
    @discardableResult
    public func revoke(_ nameOrSerial: String, now: Date = Date()) throws(X509Error) -> SerialNumber {
        let serial: SerialNumber
        let certificateFile = home.appending(path: nameOrSerial).appending(path: "certificate.pem")
        if (try? Self.validate(directoryName: nameOrSerial)) != nil,
            FileManager.default.fileExists(atPath: certificateFile.path)
        {
            serial = try Certificate(pemEncoded: try SecureFile.readString(certificateFile)).serialNumber
        } else {
            serial = try SerialNumber(hex: nameOrSerial)
        }
        var revoked = try revokedCertificates()
        if !revoked.contains(where: { $0.serialNumber == serial }) {
            guard revoked.count < Self.maximumRevocations else { throw X509Error(.inputTooLarge, "revocation list full") }
            revoked.append(RevokedCertificate(serialNumber: serial, revocationDate: now))
            let lines = revoked.map { "\($0.serialNumber.hex) \(Int64($0.revocationDate.timeIntervalSince1970))\n" }
            try SecureFile.write(revokedFile, Array(lines.joined().utf8), mode: 0o600)
        }
        _ = try writeRevocationList(now: now)
        return serial
    }

    /// The recorded revocations.
    public func revokedCertificates() throws(X509Error) -> [RevokedCertificate] {
        guard FileManager.default.fileExists(atPath: revokedFile.path) else { return [] }
        var result: [RevokedCertificate] = []
        for line in try SecureFile.readString(revokedFile).split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count == 2, let seconds = Int64(fields[1]) else {
                throw X509Error(.invalidSerialNumber, "malformed revoked.txt")
            }
            result.append(RevokedCertificate(
                serialNumber: try SerialNumber(hex: String(fields[0])),
                revocationDate: Date(timeIntervalSince1970: TimeInterval(seconds))))
        }
        return result
    }

    /// Signs a new CRL of every revocation and writes it to `ca/crl.pem`.
    public func writeRevocationList(now: Date = Date()) throws(X509Error) -> CertificateRevocationList {
        let previous = (try? SecureFile.readString(crlNumberFile)).flatMap {
            UInt64($0.trimmingCharacters(in: .whitespacesAndNewlines))
        } ?? 0
        let number = previous + 1
        let list = try authority.issueRevocationList(
            revoked: try revokedCertificates(), number: number, thisUpdate: now.addingTimeInterval(-60),
            nextUpdate: now.addingTimeInterval(Self.revocationListLifetime))
        try SecureFile.write(crlNumberFile, Array("\(number)\n".utf8), mode: 0o600)
        try SecureFile.write(revocationListFile, Array(try list.pemRepresentation.utf8), mode: 0o644)
        return list
    }

    private func nextSerialNumber() throws(X509Error) -> SerialNumber {
        let text = (try? SecureFile.readString(serialFile)) ?? "0"
        guard let last = UInt64(text.trimmingCharacters(in: .whitespacesAndNewlines)), last < UInt64.max else {
            throw X509Error(.invalidSerialNumber, "malformed serial-number.txt")
        }
        try SecureFile.write(serialFile, Array("\(last + 1)\n".utf8), mode: 0o600)
        return SerialNumber(last + 1)
    }

    /// Directory names: letters, digits, `.-_`, not starting with a dot, not `ca`.
    static func validate(directoryName name: String) throws(X509Error) {
        guard !name.isEmpty, name.utf8.count <= maximumNameLength, name != "ca", !name.hasPrefix("."),
            name.utf8.allSatisfy({ byte in
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                    || byte == 0x2D || byte == 0x2E || byte == 0x5F
            })
        else { throw X509Error(.invalidName, "certificate name must be letters, digits, '.-_' and not 'ca'") }
    }
}
