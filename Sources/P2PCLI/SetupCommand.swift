import ArgumentParser
import Foundation
import P2PBus
import P2PBusJetStream
import P2PMembership
import P2PSetup

/// `p2p setup …`: groups, members, hosted identities, keys and worker configuration on the bus
/// (the p2p-setup equivalent). A thin layer over `P2PSetup.NetworkSetup`.
struct SetupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "setup",
        abstract: "Add or remove groups, members, hosted identities and keys; configure gateways and link managers.",
        discussion: """
            Every command validates its input against what the bus holds, writes only what changed, and prints \
            one line per record (added, updated, unchanged, removed, absent). File formats: docs/membership.md; \
            settings: docs/configuration.md.
            """,
        subcommands: [
            SetupApplyCommand.self, SetupAddGroupCommand.self, SetupAddMemberCommand.self, SetupAddIdentityCommand.self,
            SetupAddKeysCommand.self, SetupRemoveGroupCommand.self, SetupRemoveMemberCommand.self,
            SetupRemoveIdentityCommand.self, SetupConfigGatewayCommand.self, SetupConfigLinkManagerCommand.self,
            SetupGenerateClusterKeyCommand.self,
        ])
}

/// Options every `p2p setup` subcommand that reaches the bus shares.
struct SetupBusOptions: ParsableArguments {
    @Option(name: .long, help: "NATS server URL(s), comma-separated (nats://host:port).")
    var url: String = "nats://127.0.0.1:4222"

    @Option(name: .long, help: "Connect attempts before giving up.")
    var connectAttempts: Int = 5

    @Option(name: .long, help: "File holding the 32-byte cluster key (mode 0600); needed to upload keys.")
    var clusterKey: String?

    /// Connects, runs `body` with a `NetworkSetup`, prints the report, and closes the bus.
    func run(_ body: (NetworkSetup) async throws -> SetupReport) async throws {
        let key = try clusterKey.map { path throws(MembershipError) in try ClusterKey(contentsOf: path) }
        let urls = url.split(separator: ",").map { String($0).filter { $0 != " " } }
        let bus = try await JetStreamBus.connect(urls: urls, configuration: .init(connectAttempts: connectAttempts))
        do {
            let report = try await body(NetworkSetup(bus: bus, clusterKey: key))
            print(report.description)
            await bus.close()
        } catch {
            await bus.close()
            throw error
        }
    }
}

/// Reads an input file (bounded) and decodes `T` strictly; errors name the file and the field.
func readSetupFile<T: Decodable>(_ type: T.Type, _ path: String) throws -> T {
    try StrictJSON.decode(T.self, from: try readSetupBytes(path), maximumBytes: NetworkFile.maximumBytes)
}

func readSetupBytes(_ path: String) throws -> [UInt8] {
    guard let handle = FileHandle(forReadingAtPath: path) else { throw ValidationError("cannot read \(path)") }
    defer { try? handle.close() }
    let data = try handle.read(upToCount: NetworkFile.maximumBytes + 1) ?? Data()
    return [UInt8](data)
}
