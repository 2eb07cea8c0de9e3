import Foundation
import P2PDoorman
import P2PIdentity
import P2PX509

/// A fresh temporary directory, removed by `remove()`.
struct TemporaryDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appending(path: "p2p-doorman-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func remove() { try? FileManager.default.removeItem(at: url) }

    func path(_ name: String) -> URL { url.appending(path: name) }
}

/// A doorman initialised in a temporary home.
struct DoormanFixture {
    let directory: TemporaryDirectory
    let home: DoormanHome

    init() throws {
        directory = try TemporaryDirectory()
        home = DoormanHome(directory.path("doorman"))
        _ = try DoormanAuthority.initialise(home: home)
    }

    /// A doorman over the home (a new instance is a restart).
    func doorman(
        _ policy: ApprovalPolicy, pollInterval: Int = 2, nameConstraints: Bool = false, maximumPending: Int = 100
    ) throws -> Doorman {
        try Doorman(
            home: home,
            configuration: Doorman.Configuration(
                policy: policy, pollIntervalSeconds: pollInterval, nameConstraints: nameConstraints,
                maximumPendingRequests: maximumPending))
    }

    func remove() { directory.remove() }
}

/// A key and the DER CSR it signed for `name`.
struct TestRequest {
    let key: PrivateKey
    let der: [UInt8]
    let name: X500Name

    init(
        _ name: String, role: CordaCertificateRole = .nodeCA, dns: [String] = [], key: PrivateKey? = nil
    ) throws {
        self.name = try X500Name(name, validation: .full)
        self.key = try key ?? PrivateKey(generating: .ecP256)
        der = try CertificateSigningRequest(
            subject: try NodeRegistration.distinguishedName(self.name), alternativeNames: dns.map { .dns($0) },
            key: self.key, role: role
        ).derRepresentation
    }

    /// A request with a subject given as raw components (for names the node side would not make).
    static func raw(_ components: [(attribute: String, value: String)], role: CordaCertificateRole = .nodeCA) throws -> [UInt8] {
        try CertificateSigningRequest(
            subject: try DistinguishedName(components), alternativeNames: [], key: try PrivateKey(generating: .ecP256),
            role: role
        ).derRepresentation
    }
}

enum TestFailure: Error, CustomStringConvertible {
    case unexpected(String)
    var description: String { if case .unexpected(let text) = self { text } else { "" } }
}

/// The chain of an approved poll, or a failure.
func approvedChain(_ result: PollResult) throws -> [Certificate] {
    guard case .approved(let chain) = result else { throw TestFailure.unexpected("not approved: \(result)") }
    return try chain.map { try Certificate(derEncoded: $0) }
}

/// Writes certificates as PEM files leaf.pem, doorman.pem, root.pem in `directory`.
func writePEMChain(_ chain: [Certificate], in directory: URL) throws {
    for (certificate, name) in zip(chain, ["leaf.pem", "doorman.pem", "root.pem"]) {
        try Data(try certificate.pemRepresentation.utf8).write(to: directory.appending(path: name))
    }
}
