import ArgumentParser
import P2PWorkers

/// `p2p-gateway`: a gateway of a distributed cluster. All logic lives in the `P2PWorkers` library.
@main
enum GatewayMain {
    static func main() async {
        await GatewayCommand.main(nil)
    }
}
