import ArgumentParser
import Foundation
import P2PDoorman
import P2PIdentity
import P2PX509

/// `p2p doorman init`: creates the root and the doorman CA (or issues the doorman CA from a `p2p ca`).
struct DoormanInit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init", abstract: "Create the doorman's root and intermediate CA under --home.")

    @OptionGroup var home: DoormanHomeOption

    @Option(name: .long, help: "Take the root from this `p2p ca` home instead of creating one.")
    var fromCA: String?

    @Option(name: .long, help: "Validity of the root and doorman CA, in days.")
    var validityDays: Int = DoormanAuthority.defaultDays

    func run() throws {
        let authority = try DoormanAuthority.initialise(
            home: home.doormanHome, existingCA: fromCA.map { URL(filePath: ($0 as NSString).expandingTildeInPath) },
            days: validityDays)
        printLine(home.doormanHome.rootCertificateFile.path)
        printLine("doorman CA \(authority.doormanCA.certificate.subject), root \(authority.root.subject)")
    }
}

/// `p2p doorman serve`: the HTTP endpoint, until SIGINT or SIGTERM.
struct DoormanServe: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Serve the doorman over HTTP.")

    @OptionGroup var home: DoormanHomeOption

    @Option(name: .long, help: "Address to bind.")
    var host: String = DoormanServer.defaultHost

    @Option(name: .long, help: "Port to bind (0: any free port, printed).")
    var port: Int = 10_001

    @Option(name: .long, help: "Approval policy: auto or manual.")
    var policy: ApprovalPolicy = .manual

    @Option(name: .long, help: "Seconds a node waits between polls (Cache-Control max-age).")
    var pollInterval: Int = DoormanLimits.defaultPollInterval

    @Option(name: .long, help: "Validity of issued certificates, in days.")
    var validityDays: Int = DoormanAuthority.defaultIssuedDays

    @Flag(name: .long, help: "Give node CA certificates critical NameConstraints for their own name.")
    var nameConstraints = false

    func run() async throws {
        let doorman = try Doorman(
            home: home.doormanHome,
            configuration: Doorman.Configuration(
                policy: policy, pollIntervalSeconds: pollInterval, validityDays: validityDays,
                nameConstraints: nameConstraints))
        let server = try await DoormanServer.start(doorman: doorman, host: host, port: port)
        printLine("doorman (\(policy)) listening on \(server.url)")
        await StopSignal.wait(seconds: nil)
        await server.stop()
    }
}

/// `p2p doorman list`: pending requests (or all, with --all).
struct DoormanList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List pending requests.")

    @OptionGroup var home: DoormanHomeOption

    @Flag(name: .long, help: "Also list approved and rejected requests.")
    var all = false

    func run() throws {
        let doorman = try Doorman(home: home.doormanHome, configuration: Doorman.Configuration(policy: .manual))
        for record in try doorman.requests() where all || record.status == .pending {
            let role = CordaCertificateRole(rawValue: record.role).map { "\($0)" } ?? "\(record.role)"
            printLine("\(record.id)  \(record.status.rawValue)  \(role)  \(record.keyFingerprint)  \(record.legalName)")
        }
    }
}

/// `p2p doorman approve <id>`: issues the chain of a pending request.
struct DoormanApprove: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "approve", abstract: "Approve a pending request.")

    @OptionGroup var home: DoormanHomeOption

    @Option(name: .long, help: "Validity of the issued certificate, in days.")
    var validityDays: Int = DoormanAuthority.defaultIssuedDays

    @Flag(name: .long, help: "Give a node CA certificate critical NameConstraints for its own name.")
    var nameConstraints = false

    @Argument(help: "The request id.")
    var id: String

    func run() throws {
        guard let requestID = RequestID(id) else { throw ValidationError("not a request id: \(id)") }
        let doorman = try Doorman(
            home: home.doormanHome,
            configuration: Doorman.Configuration(
                policy: .manual, validityDays: validityDays, nameConstraints: nameConstraints))
        let chain = try doorman.approve(requestID)
        printLine("approved \(requestID): \(chain.first.map { "\($0.subject), serial \($0.serialNumber.hex)" } ?? "")")
    }
}

/// `p2p doorman reject <id> --reason …`.
struct DoormanReject: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "reject", abstract: "Reject a pending request.")

    @OptionGroup var home: DoormanHomeOption

    @Option(name: .long, help: "Why; shown to the node (one line).")
    var reason: String

    @Argument(help: "The request id.")
    var id: String

    func run() throws {
        guard let requestID = RequestID(id) else { throw ValidationError("not a request id: \(id)") }
        let doorman = try Doorman(home: home.doormanHome, configuration: Doorman.Configuration(policy: .manual))
        try doorman.reject(requestID, reason: reason)
        printLine("rejected \(requestID)")
    }
}

/// `p2p doorman request`: the node side. Makes a key and a CSR, submits, polls, checks and writes the chain.
struct DoormanRequest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "request", abstract: "Ask a doorman for a certificate (resumes a stored request).")

    enum Role: String, ExpressibleByArgument, CaseIterable {
        case nodeCA = "node-ca", tls

        var cordaRole: CordaCertificateRole { self == .nodeCA ? .nodeCA : .tls }
    }

    @Option(name: .long, help: "The doorman's base URL, e.g. http://127.0.0.1:10001.")
    var url: String

    @Option(name: .long, help: "The legal name, e.g. \"O=Alice Corp, L=London, C=GB\".")
    var name: String

    @Option(name: [.customShort("m"), .long], help: "The node's directory; files go to certificates/ under it.")
    var home: String

    @Option(name: .long, help: "The network's root certificate (PEM): the chain must lead to it.")
    var root: String

    @Option(name: .long, help: "The role asked for: node-ca or tls.")
    var role: Role = .nodeCA

    @Option(name: .long, help: "A DNS name for the subject alternative name (repeatable).")
    var dns: [String] = []

    @Option(name: .long, help: "Seconds to wait in total for a decision.")
    var timeout: Int = 300

    func run() async throws {
        let legalName = try X500Name(name, validation: .full)
        let rootData = try Data(contentsOf: URL(filePath: root))
        guard rootData.count <= X509Limits.maximumEncodedSize else { throw ValidationError("--root file too large") }
        let registration = try NodeRegistration(
            NodeRegistration.Configuration(
                doormanURL: url, legalName: legalName, role: role.cordaRole, dnsNames: dns,
                home: URL(filePath: (home as NSString).expandingTildeInPath),
                root: try Certificate(pemEncoded: String(decoding: rootData, as: UTF8.self)),
                timeoutSeconds: Double(timeout)))
        if let id = try registration.storedRequestID() { printLine("resuming request \(id)") }
        let chain = try await registration.run()
        printLine("\(registration.chainFile.path)")
        printLine("issued \(chain[0].subject), serial \(chain[0].serialNumber.hex)")
    }
}
