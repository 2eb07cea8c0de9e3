import ArgumentParser
import Foundation
import P2PBus
import P2PBusJetStream
import P2PMembership
import P2PNetworkMap
import P2PSetup
import P2PX509

/// `p2p network-map …`: serve a network map, publish this cluster's member record to one, and keep
/// the cluster's membership in line with one (`docs/network-map.md`).
struct NetworkMapCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "network-map",
        abstract: "Serve, publish to, and synchronise from a network map (signed member records and parameters over HTTP).",
        subcommands: [
            NetworkMapServeCommand.self, NetworkMapPublishCommand.self, NetworkMapSyncCommand.self, NetworkMapAckParametersCommand.self,
        ])
}

/// `p2p network-map serve`.
struct NetworkMapServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the network map of a home directory until SIGINT or SIGTERM.",
        discussion: """
            The home holds root.pem, network-map-key.pem (mode 0600), network-map-cert.pem (role NETWORK_MAP, then \
            intermediates) and network-parameters.json, optionally network-parameters-update.json (new parameters and \
            their flag day); the server keeps its entries there.
            """)

    @Option(name: .long, help: "The server's home directory.")
    var home: String

    @Option(name: .long, help: "Address to bind.")
    var host: String = "127.0.0.1"

    @Option(name: .long, help: "Port to bind (0: any free port).")
    var port: Int = NetworkMapServer.defaultPort

    @Option(name: .long, help: "Cache-Control max-age of the map, in seconds (1…3600).")
    var maxAge: Int = NetworkMapLimits.defaultMaxAgeSeconds

    @Option(name: .long, help: "Stop after this many seconds (default: run until a signal).")
    var seconds: Int?

    func run() async throws {
        let service = try NetworkMapService(home: URL(fileURLWithPath: home), maxAgeSeconds: maxAge)
        let server = try await NetworkMapServer.start(service: service, host: host, port: port)
        let current = await service.current
        print("network map of group \(service.groupId) on \(server.url) (parameters \(current.hash), epoch \(current.parameters.epoch))")
        if let pending = await service.pending {
            print("parameters \(pending.served.hash) (epoch \(pending.served.parameters.epoch)) announced for \(pending.updateDeadlineMillis) ms")
        }
        fflush(nil)
        await StopSignal.wait(seconds: seconds)
        await server.stop()
    }
}

/// `p2p network-map publish`.
struct NetworkMapPublishCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Sign a member record with this member's key and publish it (also the periodic heartbeat).")

    @Option(name: .long, help: "The member record: a MemberInfo in JSON, serial included.")
    var record: String

    @OptionGroup var signer: NetworkMapSignerOptions

    func run() async throws {
        let member = try MemberRecord.parseMember(try readSetupBytes(record))
        let envelope = try signer.sign(member.encoded())
        try await NetworkMapClient(baseURL: signer.map).publish(envelope)
        print("published \(member.member.holdingIdentity) serial \(member.member.serial) as \(envelope.hash)")
    }
}

/// `p2p network-map sync`.
struct NetworkMapSyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Mirror a network map's members and parameters into this cluster's bus, polling as the map says.",
        discussion: """
            Every member of the map's group that the map does not list is removed from p2p.members.info; the group \
            policy takes the parameters' protocol modes and maxMessageSize. With --once: one round, then exit.
            """)

    @Option(name: .long, help: "The map's base URL (http://host:port).")
    var map: String

    @Option(name: .long, help: "NATS server URL(s), comma-separated (nats://host:port).")
    var url: String = "nats://127.0.0.1:4222"

    @Option(name: .long, help: "The network's root certificate (PEM).")
    var root: String

    @Flag(name: .long, help: "Run one round and exit.")
    var once = false

    @Option(name: .long, help: "Stop after this many seconds (default: run until a signal).")
    var seconds: Int?

    func run() async throws {
        let trust = try NetworkTrust(rootPEMFile: root)
        let client = try NetworkMapClient(baseURL: map)
        let bus = try await JetStreamBus.connect(urls: url.split(separator: ",").map { String($0).trimmingSpaces() })
        let sync = NetworkMapSync(client: client, trust: trust, bus: bus)
        if once {
            do {
                print(try await sync.runOnce().description)
                await printAnnouncement(sync)
                await bus.close()
            } catch {
                await bus.close()
                throw error
            }
            return
        }
        let task = Task {
            await sync.run { result in
                switch result {
                case .success(let report): print(report.description)
                case .failure(let error): print("round failed: \(error)")
                }
                fflush(nil)
            }
        }
        await StopSignal.wait(seconds: seconds)
        task.cancel()
        await task.value
        await bus.close()
    }
}

/// Prints the parameters a map announces for a flag day, if any.
func printAnnouncement(_ sync: NetworkMapSync) async {
    guard let (update, parameters) = await sync.announced else { return }
    print(
        "parameters \(update.newParametersHash) (epoch \(parameters.epoch)) announced, in force from \(update.updateDeadlineMillis) ms: \(update.description)"
    )
}

/// The map and the member's signing material, for the commands that sign as a member.
struct NetworkMapSignerOptions: ParsableArguments {
    @Option(name: .long, help: "The map's base URL (http://host:port).")
    var map: String

    @Option(name: .long, help: "The member's private key (PEM), matching the first certificate of --certificates.")
    var key: String

    @Option(name: .long, help: "PEM: the member's certificate (subject = its X.500 name), then intermediates to the root.")
    var certificates: String

    func sign(_ payload: [UInt8]) throws -> SignedEnvelope {
        let privateKey = try PrivateKey(pemEncoded: String(decoding: try readSetupBytes(key), as: UTF8.self))
        let chain = try Certificate.chain(
            pemEncoded: String(decoding: try readSetupBytes(certificates), as: UTF8.self), maximumCount: SignedEnvelope.maximumCertificates)
        return try SignedEnvelope.sign(payload: payload, key: privateKey, chain: chain)
    }
}

/// `p2p network-map ack-parameters`.
struct NetworkMapAckParametersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ack-parameters",
        abstract: "Acknowledge network parameters (current or announced) as a member, signed with its key.")

    @Option(name: .long, help: "The parameters' hash (64 upper-case hex digits).")
    var hash: String

    @OptionGroup var signer: NetworkMapSignerOptions

    func run() async throws {
        let parametersHash = try SecureHash(hash)
        try await NetworkMapClient(baseURL: signer.map).acknowledge(try signer.sign(ParametersAck(parametersHash: parametersHash).encoded()))
        print("acknowledged parameters \(parametersHash)")
    }
}
