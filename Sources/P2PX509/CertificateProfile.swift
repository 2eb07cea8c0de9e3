public import Foundation

/// What goes into a certificate besides its key and issuer: names, validity, serial and extensions.
public struct CertificateProfile: Sendable {
    /// The longest validity the toolkit signs, in days (about 30 years).
    public static let maximumValidityDays = 11_000

    public var subject: DistinguishedName
    public var alternativeNames: [SubjectAlternativeName]
    public var serialNumber: SerialNumber
    public var notValidBefore: Date
    public var notValidAfter: Date
    public var isCertificateAuthority: Bool
    /// For a CA: how many intermediate CAs may follow it (nil: no limit).
    public var pathLength: Int?
    public var keyUsage: KeyUsage
    public var extendedKeyUsage: ExtendedKeyUsage
    /// URIs written into the CRL distribution points extension.
    public var crlDistributionPoints: [String]
    /// Extensions given by OID and DER value, added after the others (at most
    /// ``CertificateExtension/maximumCount``).
    public var additionalExtensions: [CertificateExtension] = []

    public init(
        subject: DistinguishedName, alternativeNames: [SubjectAlternativeName] = [], serialNumber: SerialNumber,
        notValidBefore: Date, notValidAfter: Date, isCertificateAuthority: Bool = false, pathLength: Int? = nil,
        keyUsage: KeyUsage, extendedKeyUsage: ExtendedKeyUsage = [], crlDistributionPoints: [String] = []
    ) {
        self.subject = subject
        self.alternativeNames = alternativeNames
        self.serialNumber = serialNumber
        self.notValidBefore = notValidBefore
        self.notValidAfter = notValidAfter
        self.isCertificateAuthority = isCertificateAuthority
        self.pathLength = pathLength
        self.keyUsage = keyUsage
        self.extendedKeyUsage = extendedKeyUsage
        self.crlDistributionPoints = crlDistributionPoints
    }

    /// A root or intermediate CA: CA:TRUE (critical), keyCertSign and cRLSign.
    public static func certificateAuthority(
        subject: DistinguishedName, serialNumber: SerialNumber, validFrom: Date, days: Int, pathLength: Int? = nil
    ) -> CertificateProfile {
        CertificateProfile(
            subject: subject, serialNumber: serialNumber, notValidBefore: validFrom,
            notValidAfter: validFrom.addingTimeInterval(TimeInterval(days) * 86_400), isCertificateAuthority: true,
            pathLength: pathLength, keyUsage: [.keyCertSign, .cRLSign, .digitalSignature])
    }

    /// A TLS end-entity certificate for servers and clients, its names in the subject alternative name.
    public static func tlsEndEntity(
        subject: DistinguishedName, alternativeNames: [SubjectAlternativeName], serialNumber: SerialNumber,
        validFrom: Date, days: Int, crlDistributionPoints: [String] = []
    ) -> CertificateProfile {
        CertificateProfile(
            subject: subject, alternativeNames: alternativeNames, serialNumber: serialNumber,
            notValidBefore: validFrom, notValidAfter: validFrom.addingTimeInterval(TimeInterval(days) * 86_400),
            keyUsage: [.digitalSignature, .keyEncipherment], extendedKeyUsage: [.serverAuth, .clientAuth],
            crlDistributionPoints: crlDistributionPoints)
    }

    func validate() throws(X509Error) {
        guard notValidAfter > notValidBefore,
            notValidAfter.timeIntervalSince(notValidBefore) <= TimeInterval(Self.maximumValidityDays) * 86_400
        else { throw X509Error(.invalidValidity, "not before must precede not after, within \(Self.maximumValidityDays) days") }
        if let pathLength, pathLength < 0 || pathLength > 16 { throw X509Error(.extensionFailed, "path length") }
        guard additionalExtensions.count <= CertificateExtension.maximumCount else {
            throw X509Error(.extensionFailed, "too many additional extensions")
        }
        guard crlDistributionPoints.count <= 8 else { throw X509Error(.extensionFailed, "too many CRL distribution points") }
        for uri in crlDistributionPoints {
            guard uri.hasPrefix("http://") || uri.hasPrefix("https://"), uri.utf8.count <= 1024,
                uri.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: ",") })
            else { throw X509Error(.extensionFailed, "CRL distribution point must be an http(s) URI without commas") }
        }
    }

    /// (nid, config value) pairs in the order they are added to the certificate.
    var extensionValues: [(nid: Int32, value: String)] {
        get throws(X509Error) {
            var values: [(Int32, String)] = []
            if isCertificateAuthority {
                values.append((NIDs.basicConstraints, "critical,CA:TRUE" + (pathLength.map { ",pathlen:\($0)" } ?? "")))
            } else {
                values.append((NIDs.basicConstraints, "critical,CA:FALSE"))
            }
            if !keyUsage.configNames.isEmpty {
                values.append((NIDs.keyUsage, "critical," + keyUsage.configNames.joined(separator: ",")))
            }
            if !extendedKeyUsage.configNames.isEmpty {
                values.append((NIDs.extendedKeyUsage, extendedKeyUsage.configNames.joined(separator: ",")))
            }
            if !alternativeNames.isEmpty {
                values.append((NIDs.subjectAlternativeName, try SubjectAlternativeName.configValue(alternativeNames)))
            }
            if !crlDistributionPoints.isEmpty {
                values.append((NIDs.crlDistributionPoints, crlDistributionPoints.map { "URI:\($0)" }.joined(separator: ",")))
            }
            return values
        }
    }
}
