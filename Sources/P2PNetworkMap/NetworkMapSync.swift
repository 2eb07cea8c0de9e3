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
    var parameters: NetworkParameters?
    var parametersHash: SecureHash?

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
                case .download(let parametersHash, let hashes):
                    try await download(parametersHash: parametersHash, hashes: hashes)
                    action = machine.downloaded(parameters: parametersHash, records: hashes, now: now())
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
    func download(parametersHash: SecureHash?, hashes: [SecureHash]) async throws {
        guard hashes.count <= NetworkMap.maximumEntries else { throw NetworkMapError(.tooLarge, "more than \(NetworkMap.maximumEntries) records") }
        var newParameters = parameters
        if let parametersHash {
            let fetched = try trust.verifiedParameters(try await client.parameters(parametersHash), at: now())
            if let parameters, fetched.epoch < parameters.epoch {
                throw NetworkMapError(.epochWentBackwards, "parameters epoch \(fetched.epoch) is below the held epoch \(parameters.epoch)")
            }
            newParameters = fetched
        }
        var fetched: [SecureHash: MemberRecord] = [:]
        for hash in hashes {
            fetched[hash] = try trust.verifiedMember(try await client.memberRecord(hash), at: now())
        }
        if let parametersHash {
            parameters = newParameters
            self.parametersHash = parametersHash
        }
        records.merge(fetched) { $1 }
    }

    /// Writes the map's group policy and members; removes the group's members the map does not list.
    func apply(_ map: NetworkMap) async throws -> SetupReport {
        guard let parameters, parametersHash == map.networkParametersHash else {
            throw NetworkMapError(.unknownParameters, "the map's parameters were not downloaded")
        }
        guard parameters.groupId == map.groupId else {
            throw NetworkMapError(.wrongGroup, "the map is of group \(map.groupId), its parameters of \(parameters.groupId)")
        }
        var members: [MemberInfo] = []
        for hash in map.nodeInfoHashes {
            guard let record = records[hash] else { throw NetworkMapError(.unknownHash, "record \(hash) was not downloaded") }
            guard record.member.holdingIdentity.groupID == map.groupId else {
                throw NetworkMapError(.wrongGroup, "record \(hash) is of group \(record.member.holdingIdentity.groupID)")
            }
            members.append(record.member)
        }
        return try await MembershipMirror(bus: bus, rootPEM: try trust.root.pemRepresentation, now: now)
            .write(parameters: parameters, members: members)
    }
}
