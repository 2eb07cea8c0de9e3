public import Foundation
public import P2PBus
import P2PIdentity
import P2PMembership
import P2PX509
public import P2PSetup

/// Keeps a cluster's membership tables in line with a network map: runs ``NetworkMapSyncStateMachine``,
/// downloads and verifies what it asks for, and writes the result through `P2PSetup.NetworkSetup`
/// (`docs/network-map.md`, "p2p network-map sync").
public actor NetworkMapSync {
    public let client: NetworkMapClient
    public let trust: NetworkTrust
    public let bus: any MessageBus
    let now: @Sendable () -> Date
    var machine: NetworkMapSyncStateMachine
    /// Verified records by hash (what the state machine calls held).
    var records: [SecureHash: MemberRecord] = [:]
    /// Verified parameters by hash: the map's current and announced ones.
    var parameters: [SecureHash: NetworkParameters] = [:]
    /// The parameters last written to the bus.
    public private(set) var applied: NetworkParameters?
    /// Parameters the map announces for a flag day, once downloaded and verified.
    public private(set) var announced: (update: ParametersUpdate, parameters: NetworkParameters)?

    public init(
        client: NetworkMapClient, trust: NetworkTrust, bus: any MessageBus, policy: NetworkMapSyncStateMachine.Policy = .init(),
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.client = client
        self.trust = trust
        self.bus = bus
        self.now = now
        self.machine = NetworkMapSyncStateMachine(policy: policy)
    }

    /// One round: fetch, verify, write. Throws what made the round fail (nothing is written then).
    public func runOnce() async throws -> SetupReport {
        var action = machine.start(now: now())
        var report = SetupReport()
        // A round is at most: fetch map, download, apply, then wait.
        for _ in 0..<4 {
            do {
                switch action {
                case .fetchMap:
                    let (envelope, maxAge) = try await client.networkMap()
                    let map = try trust.verifiedMap(envelope, at: now())
                    action = machine.mapReceived(map, maxAgeSeconds: maxAge, now: now())
                case .download(let parametersHashes, let hashes):
                    try await download(parametersHashes: parametersHashes, hashes: hashes)
                    action = machine.downloaded(parameters: parametersHashes, records: hashes, now: now())
                case .apply(let map):
                    report = try await apply(map)
                    action = machine.applied(now: now())
                case .wait:
                    return report
                }
            } catch {
                _ = machine.failed(now: now())
                throw error
            }
        }
        return report
    }

    /// Rounds until the task is cancelled, waiting as the map says; `onRound` hears of each round.
    public func run(onRound: @Sendable (Result<SetupReport, any Error>) -> Void) async {
        while !Task.isCancelled {
            do {
                onRound(.success(try await runOnce()))
            } catch {
                onRound(.failure(error))
            }
            guard case .wait(let until) = machine.current(now: now()) else { continue }
            let seconds = max(0, until.timeIntervalSince(now()))
            try? await Task.sleep(for: .milliseconds(Int64(seconds * 1000)))
        }
    }

    /// Downloads and verifies; keeps nothing unless everything verified.
    func download(parametersHashes: [SecureHash], hashes: [SecureHash]) async throws {
        guard hashes.count <= NetworkMap.maximumEntries, parametersHashes.count <= 2 else {
            throw NetworkMapError(.tooLarge, "more than \(NetworkMap.maximumEntries) records")
        }
        var fetchedParameters: [SecureHash: NetworkParameters] = [:]
        for hash in parametersHashes {
            fetchedParameters[hash] = try trust.verifiedParameters(try await client.parameters(hash), at: now())
        }
        var fetched: [SecureHash: MemberRecord] = [:]
        for hash in hashes {
            fetched[hash] = try trust.verifiedMember(try await client.memberRecord(hash), at: now())
        }
        parameters.merge(fetchedParameters) { $1 }
        records.merge(fetched) { $1 }
    }

    /// Writes the map's group policy and members; removes the group's members the map does not list.
    func apply(_ map: NetworkMap) async throws -> SetupReport {
        guard let parameters = parameters[map.networkParametersHash] else {
            throw NetworkMapError(.unknownParameters, "the map's parameters were not downloaded")
        }
        guard parameters.groupId == map.groupId else {
            throw NetworkMapError(.wrongGroup, "the map is of group \(map.groupId), its parameters of \(parameters.groupId)")
        }
        if let applied, parameters.epoch < applied.epoch {
            throw NetworkMapError(.epochWentBackwards, "parameters epoch \(parameters.epoch) is below the applied epoch \(applied.epoch)")
        }
        var announced: (ParametersUpdate, NetworkParameters)?
        if let update = map.parametersUpdate {
            guard let next = self.parameters[update.newParametersHash] else {
                throw NetworkMapError(.unknownParameters, "the announced parameters were not downloaded")
            }
            guard next.groupId == map.groupId, next.epoch > parameters.epoch else {
                throw NetworkMapError(.epochWentBackwards, "announced parameters must keep the group and raise the epoch above \(parameters.epoch)")
            }
            announced = (update, next)
        }
        var members: [MemberInfo] = []
        for hash in map.nodeInfoHashes {
            guard let record = records[hash] else { throw NetworkMapError(.unknownHash, "record \(hash) was not downloaded") }
            guard record.member.holdingIdentity.groupID == map.groupId else {
                throw NetworkMapError(.wrongGroup, "record \(hash) is of group \(record.member.holdingIdentity.groupID)")
            }
            members.append(record.member)
        }
        let report = try await MembershipMirror(bus: bus, rootPEM: try trust.root.pemRepresentation, now: now)
            .write(parameters: parameters, members: members)
        applied = parameters
        self.announced = announced
        let keep = Set(NetworkMapSyncStateMachine.parameterHashes(map))
        self.parameters = self.parameters.filter { keep.contains($0.key) }
        let listed = Set(map.nodeInfoHashes)
        records = records.filter { listed.contains($0.key) }
        return report
    }
}
