import ArgumentParser
import Foundation
import P2PX509

/// `p2p ca create-ca`: creates the CA under `--home` unless it exists; prints the root certificate's path.
struct CACreateCA: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create-ca", abstract: "Create (or load) the CA.", aliases: ["ca"])

    @OptionGroup var options: CAOptions

    func run() throws {
        options.warn()
        let ca = try FileCertificateAuthority.createOrLoad(
            home: options.homeURL, algorithm: try options.keyAlgorithm, days: options.validityDays)
        print(ca.rootCertificateFile.path)
    }
}

/// `p2p ca create-certificate <dns names…>`: a key pair, a PKCS#10 request and a certificate signed by the CA.
struct CACreateCertificate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create-certificate", abstract: "Issue a TLS certificate for DNS names.",
        aliases: ["certificate", "cert"])

    @OptionGroup var options: CAOptions

    @Option(name: [.customShort("n"), .long], help: "Directory name for the files (default: the first DNS name).")
    var name: String?

    @Option(name: .long, help: "An IP address to add to the subject alternative name (repeatable).")
    var ip: [String] = []

    @Option(name: .long, help: "A CRL distribution point URI to embed (repeatable).")
    var crlURL: [String] = []

    @Argument(help: "DNS names for the subject alternative name; the first is also the common name.")
    var dnsNames: [String]

    func validate() throws {
        guard !dnsNames.isEmpty else { throw ValidationError("give at least one DNS name") }
    }

    func run() throws {
        options.warn()
        let ca = try FileCertificateAuthority.load(home: options.homeURL)
        let files = try ca.createCertificate(
            dnsNames: dnsNames, ipAddresses: ip, name: name, algorithm: try options.keyAlgorithm,
            days: options.validityDays, crlDistributionPoints: crlURL)
        print(files.certificateFile.path)
        print(files.keyFile.path)
    }
}

/// `p2p ca sign-request <file>`: signs a PKCS#10 request made elsewhere.
struct CASignRequest: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign-request", abstract: "Sign a PKCS#10 certificate request (PEM).")

    @OptionGroup var options: CAOptions

    @Option(name: [.customShort("n"), .long], help: "Directory name for the certificate.")
    var name: String

    @Option(name: .long, help: "A CRL distribution point URI to embed (repeatable).")
    var crlURL: [String] = []

    @Argument(help: "The request file (PEM).")
    var requestFile: String

    func run() throws {
        options.warn()
        let ca = try FileCertificateAuthority.load(home: options.homeURL)
        let data = try Data(contentsOf: URL(filePath: requestFile))
        guard data.count <= X509Limits.maximumEncodedSize else { throw ValidationError("request file too large") }
        let request = try CertificateSigningRequest(pemEncoded: String(decoding: data, as: UTF8.self))
        let certificate = try ca.signRequest(
            request, name: name, days: options.validityDays, crlDistributionPoints: crlURL)
        print(certificate.serialNumber.hex)
    }
}

/// `p2p ca revoke <name or serial>`: records a revocation and rewrites the CRL.
struct CARevoke: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke", abstract: "Revoke a certificate by its directory name or hex serial number.")

    @OptionGroup var options: CAOptions

    @Argument(help: "The certificate's name (directory) or serial number in hex.")
    var nameOrSerial: String

    func run() throws {
        options.warn()
        let ca = try FileCertificateAuthority.load(home: options.homeURL)
        print(try ca.revoke(nameOrSerial).hex)
    }
}

/// `p2p ca crl`: signs a fresh CRL and prints its path.
struct CACRL: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "crl", abstract: "Write a fresh CRL (PEM).")

    @OptionGroup var options: CAOptions

    func run() throws {
        options.warn()
        let ca = try FileCertificateAuthority.load(home: options.homeURL)
        _ = try ca.writeRevocationList()
        print(ca.revocationListFile.path)
    }
}
