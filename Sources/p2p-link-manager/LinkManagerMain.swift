import ArgumentParser
import P2PWorkers

/// `p2p-link-manager`: a link manager of a distributed cluster. All logic lives in the `P2PWorkers` library.
@main
enum LinkManagerMain {
    static func main() async {
        await LinkManagerCommand.main(nil)
    }
}
