import Foundation
import P2PX509

/// A small PKI made in memory: a root CA and leaves it issues.
struct TestPKI {
    let ca: CertificateAuthority
    let now = Date()
    private var nextSerial: UInt64 = 2

    init(algorithm: KeyAlgorithm = .ecP256, commonName: String = "Test Root") throws {
        let key = try PrivateKey(generating: algorithm)
        ca = try CertificateAuthority.selfSigned(
            key: key,
            profile: .certificateAuthority(
                subject: try DistinguishedName(commonName: commonName, organization: "Tests", country: "UK"),
                serialNumber: SerialNumber(1), validFrom: now.addingTimeInterval(-3600), days: 10))
    }

    mutating func leaf(
        _ names: [SubjectAlternativeName], algorithm: KeyAlgorithm = .ecP256, validFrom: Date? = nil, days: Int = 5
    ) throws -> (key: PrivateKey, certificate: Certificate) {
        let key = try PrivateKey(generating: algorithm)
        let commonName: String = if case .dns(let name) = names.first { name } else { "ip" }
        let certificate = try ca.issue(
            profile: .tlsEndEntity(
                subject: try DistinguishedName(commonName: commonName), alternativeNames: names,
                serialNumber: SerialNumber(nextSerial), validFrom: validFrom ?? now.addingTimeInterval(-60), days: days),
            publicKey: key.publicKey)
        nextSerial += 1
        return (key, certificate)
    }
}
