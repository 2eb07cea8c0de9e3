import ArgumentParser
import Foundation
import P2PBootstrap
import P2PMembership

/// `p2p bootstrap --plan <file> --dir <dir>`: pre-create a whole network into folders (`docs/bootstrapper.md`).
struct BootstrapCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bootstrap",
        abstract: "Pre-create a whole network into a directory: a CA, every cluster's keys, certificates and network file.",
        discussion: """
            Reads a plan (docs/bootstrapper.md: group, clusters with host, port and identities) and writes pki/ (the \
            network CA and each gateway's TLS certificate), clusters/<name>/ (cluster.key, session-keys.json, \
            network.json for `p2p setup apply` or `p2p cluster run`) and bootstrap.json (the epoch). Re-running keeps \
            every existing key, re-issues a certificate only when it no longer fits, and changes the epoch only when \
            a file changed.
            """)

    @Option(name: .long, help: "The plan file (JSON).")
    var plan: String

    @Option(name: .long, help: "The directory to create or bring up to date.")
    var dir: String

    func run() throws {
        let bytes: [UInt8]
        do { bytes = Array(try Data(contentsOf: URL(fileURLWithPath: plan))) } catch {
            throw ValidationError("cannot read the plan \(plan): \(error.localizedDescription)")
        }
        let parsed = try BootstrapPlan.parse(bytes)
        let report = try Bootstrapper(directory: URL(fileURLWithPath: dir)).run(parsed)
        for path in report.created { print("created   \(path)") }
        for path in report.updated { print("updated   \(path)") }
        for name in report.stale { print("stale     clusters/\(name) (not in the plan; left in place)") }
        print(
            report.changed
                ? "network \(parsed.groupId): epoch \(report.epoch), \(report.created.count) created, \(report.updated.count) updated"
                : "network \(parsed.groupId): epoch \(report.epoch), nothing changed")
    }
}
