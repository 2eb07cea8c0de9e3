import ArgumentParser
import P2PMembership
import P2PSetup

struct SetupApplyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply", abstract: "Apply a whole network file (groups, keys, members, identities, configuration, removals).")
    @OptionGroup var options: SetupBusOptions
    @Argument(help: "The network JSON file (docs/membership.md, docs/examples/network.json).") var file: String

    func run() async throws {
        let bytes = try readSetupBytes(file)
        try await options.run { try await $0.apply(fileContents: bytes) }
    }
}

struct SetupAddGroupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "add-group", abstract: "Add or replace a group policy.")
    @OptionGroup var options: SetupBusOptions
    @Argument(help: "JSON: {groupId, protocolModes, trustRootCertificates, maxMessageSize}.") var file: String

    func run() async throws {
        let input = try readSetupFile(GroupInput.self, file)
        try await options.run { try await $0.addGroup(input) }
    }
}

struct SetupAddMemberCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "add-member", abstract: "Add or replace a group member.")
    @OptionGroup var options: SetupBusOptions
    @Argument(help: "JSON: {x500Name, groupId, endpoints, sessionPublicKeys, status, serial}.") var file: String

    func run() async throws {
        let input = try readSetupFile(MemberInput.self, file)
        try await options.run { try await $0.addMember(input) }
    }
}

struct SetupAddIdentityCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "add-identity", abstract: "Add or replace a locally hosted identity.")
    @OptionGroup var options: SetupBusOptions
    @Argument(help: "JSON: {x500Name, groupId, tlsTenantId, sessionKeyTenantId, tlsCertificates, sessionPublicKey}.") var file: String

    func run() async throws {
        let input = try readSetupFile(IdentityInput.self, file)
        try await options.run { try await $0.addIdentity(input) }
    }
}

struct SetupAddKeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add-keys", abstract: "Upload a tenant's key pair, sealed under the cluster key.", aliases: ["add-key-pair"])
    @OptionGroup var options: SetupBusOptions
    @Argument(help: "JSON: {tenantId, privateKey}.") var file: String

    func run() async throws {
        let input = try readSetupFile(KeysInput.self, file)
        try await options.run { try await $0.addKeys(input) }
    }
}

struct SetupRemoveGroupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "remove-group", abstract: "Remove a group (it must have no members or identities left).", aliases: ["rm-group"])
    @OptionGroup var options: SetupBusOptions
    @Argument(help: "The group id.") var groupId: String

    func run() async throws {
        try await options.run { try await $0.removeGroup(groupId: groupId) }
    }
}

/// `--x500-name` and `--group-id` of the remove commands.
struct SetupIdentityOptions: ParsableArguments {
    @Option(name: [.customShort("x"), .customLong("x500-name")], help: "The X.500 name (any spelling: it is canonicalised).")
    var x500Name: String
    @Option(name: [.customShort("g"), .customLong("group-id")], help: "The group id.")
    var groupId: String
}

struct SetupRemoveMemberCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "remove-member", abstract: "Remove a group member.", aliases: ["rm-member"])
    @OptionGroup var options: SetupBusOptions
    @OptionGroup var identity: SetupIdentityOptions

    func run() async throws {
        try await options.run { try await $0.removeMember(x500Name: identity.x500Name, groupId: identity.groupId) }
    }
}

struct SetupRemoveIdentityCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "remove-identity", abstract: "Remove a locally hosted identity.", aliases: ["rm-identity"])
    @OptionGroup var options: SetupBusOptions
    @OptionGroup var identity: SetupIdentityOptions

    func run() async throws {
        try await options.run { try await $0.removeIdentity(x500Name: identity.x500Name, groupId: identity.groupId) }
    }
}

struct SetupConfigGatewayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config-gateway", abstract: "Publish the gateway configuration (applied live by running gateways).", aliases: ["config-gw"])
    @OptionGroup var options: SetupBusOptions
    @Argument(help: "JSON gateway settings (docs/configuration.md); absent fields take their defaults. Without a file: all defaults.")
    var file: String?

    func run() async throws {
        let configuration = try file.map { try readSetupFile(GatewayConfiguration.self, $0) } ?? GatewayConfiguration()
        try await options.run { try await $0.configureGateway(configuration) }
    }
}

struct SetupConfigLinkManagerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config-link-manager", abstract: "Publish the link-manager configuration (applied live by running link managers).",
        aliases: ["config-lm"])
    @OptionGroup var options: SetupBusOptions
    @Argument(help: "JSON link-manager settings (docs/configuration.md); absent fields take their defaults. Without a file: all defaults.")
    var file: String?

    func run() async throws {
        let configuration = try file.map { try readSetupFile(LinkManagerConfiguration.self, $0) } ?? LinkManagerConfiguration()
        try await options.run { try await $0.configureLinkManager(configuration) }
    }
}

struct SetupGenerateClusterKeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate-cluster-key", abstract: "Write a new random cluster key to a new file of mode 0600.")
    @Argument(help: "The file to create (must not exist).") var file: String

    func run() throws {
        let key = ClusterKey.generate()
        try key.write(toNewFile: file)
        print("wrote cluster key \(key.keyID) to \(file) (mode 0600)")
    }
}
