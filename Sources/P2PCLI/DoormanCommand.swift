public import ArgumentParser
import Foundation
import P2PDoorman

/// `p2p doorman`: the network's onboarding CA (Corda's doorman) and its node-side client (`docs/doorman.md`).
public struct DoormanCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "doorman",
        abstract: "Onboarding: turn PKCS#10 requests into certificate chains under an approval policy.",
        subcommands: [
            DoormanInit.self, DoormanServe.self, DoormanList.self, DoormanApprove.self, DoormanReject.self,
            DoormanRequest.self,
        ])

    public init() {}
}

/// `--home` of the doorman's side.
struct DoormanHomeOption: ParsableArguments {
    @Option(name: [.customShort("m"), .long], help: "The doorman's directory (CA, requests).")
    var home: String

    var doormanHome: DoormanHome { DoormanHome(URL(filePath: (home as NSString).expandingTildeInPath)) }
}

extension ApprovalPolicy: ExpressibleByArgument {}

/// Writes one line to standard output at once (not buffered: tests and scripts read it while the process runs).
func printLine(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
