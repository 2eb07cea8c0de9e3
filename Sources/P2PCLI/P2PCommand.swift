public import ArgumentParser

/// The operator's command line: `p2p <subcommand>`.
public struct P2PCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "p2p",
        abstract: "Operate a peer-to-peer messaging cluster: certificates, bus, membership, diagnostics.",
        version: "0.1.0",
        subcommands: [
            CACommand.self, BusCommand.self, SetupCommand.self, ClusterCommand.self, DemoCommand.self, BootstrapCommand.self,
            DoormanCommand.self, NetworkMapCommand.self, SimulatorCommand.self,
        ])

    public init() {}
}
