public import ArgumentParser
import Foundation
import P2PX509

/// `p2p ca`: a test certificate authority for gateway TLS (Corda's fake CA, with revocation).
public struct CACommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "ca",
        abstract: "A test certificate authority for gateway TLS certificates. Not for production.",
        subcommands: [CACreateCA.self, CACreateCertificate.self, CASignRequest.self, CARevoke.self, CACRL.self])

    public init() {}
}

/// Options every `p2p ca` subcommand shares.
struct CAOptions: ParsableArguments {
    @Option(name: [.customShort("m"), .long], help: "Directory holding the CA's state.")
    var home: String = FileManager.default.homeDirectoryForCurrentUser.appending(path: ".p2p-ca").path

    @Option(name: [.customShort("a"), .long], help: "Key algorithm: ec (P-256), rsa or ed25519.")
    var algorithm: CAAlgorithm = .ec

    @Option(name: [.customShort("s"), .long], help: "RSA modulus size: 2048, 3072 or 4096.")
    var keySize: Int = 2048

    @Option(name: [.customShort("d"), .long], help: "Validity of new certificates, in days.")
    var validityDays: Int = 30

    var homeURL: URL { URL(filePath: (home as NSString).expandingTildeInPath) }

    var keyAlgorithm: KeyAlgorithm {
        get throws {
            switch algorithm {
            case .ec: return .ecP256
            case .ed25519: return .ed25519
            case .rsa:
                guard KeyAlgorithm.allowedRSABits.contains(keySize) else {
                    throw ValidationError("--key-size must be 2048, 3072 or 4096")
                }
                return .rsa(bits: keySize)
            }
        }
    }

    func validate() throws {
        guard (1...CertificateProfile.maximumValidityDays).contains(validityDays) else {
            throw ValidationError("--validity-days must be between 1 and \(CertificateProfile.maximumValidityDays)")
        }
    }

    func warn() {
        FileHandle.standardError.write(Data("p2p ca: a test CA, not for production use\n".utf8))
    }
}

enum CAAlgorithm: String, ExpressibleByArgument, CaseIterable {
    case ec, rsa, ed25519

    init?(argument: String) { self.init(rawValue: argument.lowercased()) }
}
