import ArgumentParser
import P2PCLI

/// `p2p`: the operator CLI. All logic lives in the `P2PCLI` library.
@main
enum P2PMain {
    static func main() async {
        await P2PCommand.main(nil)
    }
}
