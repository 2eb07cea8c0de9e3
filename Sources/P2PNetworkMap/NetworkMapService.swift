public import Foundation
import P2PX509
public import P2PIdentity
import P2PMembership

/// An HTTP answer of the network map, independent of the server that sends it.
public struct NetworkMapResponse: Sendable, Hashable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: [UInt8]

    public init(status: Int, headers: [(String, String)], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A one-line `text/plain` error: code, name and reason.
    public init(error: NetworkMapError) {
        self.init(
            status: error.httpStatus, headers: [("Content-Type", "text/plain; charset=utf-8")],
            body: Array("\(error.code.rawValue) \(error.code.name): \(error.detail)\n".utf8))
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.status == rhs.status && lhs.body == rhs.body && lhs.headers.map { "\($0.0):\($0.1)" } == rhs.headers.map { "\($0.0):\($0.1)" }
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(status)
        hasher.combine(body)
    }

    /// The first value of a header, by case-insensitive name.
    public func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }
}

/// The network-map server's logic: verifies publications and acknowledgements, keeps the state
/// durably under its home directory, signs and serves the map. Routes are handled by ``handle(method:path:body:)``;
/// any HTTP server can carry them (see ``NetworkMapServer``).
public actor NetworkMapService {
    public static let rootFile = "root.pem"
    public static let keyFile = "network-map-key.pem"
    public static let certificateFile = "network-map-cert.pem"
    public static let parametersFile = "network-parameters.json"
    public static let parametersUpdateFile = "network-parameters-update.json"
    static let immutableCacheControl = "max-age=31536000, immutable"
    static let octetStream = ("Content-Type", "application/octet-stream")

    nonisolated public let trust: NetworkTrust
    /// The network's group (parameter updates keep it).
    nonisolated public let groupId: GroupID
    /// The parameters in force now.
    public private(set) var current: ServedParameters
    /// Parameters announced for a flag day, until their deadline passes.
    public private(set) var pending: PendingParameters?
    let key: PrivateKey
    let chain: [Certificate]
    let store: NetworkMapStore
    let maxAgeSeconds: Int
    let now: @Sendable () -> Date
    var state: NetworkMapState
    var acks: [String: SecureHash]
    /// The signed map for the current state, made when first asked for.
    var signedMap: [UInt8]?

    /// Opens the server's home (`docs/network-map.md`, "Server"): checks its certificate against the
    /// root, signs the parameters, loads the stored entries and removes unreferenced record files.
    public init(
        home: URL, maxAgeSeconds: Int = NetworkMapLimits.defaultMaxAgeSeconds, maximumEntries: Int = NetworkMap.maximumEntries,
        now: @escaping @Sendable () -> Date = { Date() }
    ) throws(NetworkMapError) {
        guard NetworkMapLimits.maxAgeRange.contains(maxAgeSeconds) else {
            throw NetworkMapError(.invalidServerHome, "max-age must be \(NetworkMapLimits.maxAgeRange.lowerBound)…\(NetworkMapLimits.maxAgeRange.upperBound) seconds")
        }
        let path = { (name: String) in home.appendingPathComponent(name).path }
        trust = try NetworkTrust(rootPEMFile: path(Self.rootFile))
        key = try Self.readKey(path(Self.keyFile))
        chain = try Self.readChain(path(Self.certificateFile))
        guard let certificateKey = chain[0].publicKey, certificateKey == key.publicKey else {
            throw NetworkMapError(.invalidServerHome, "\(Self.keyFile) is not the key of \(Self.certificateFile)")
        }
        let parameters = try NetworkParameters.parseInput(
            try FileLimits.readBytes(path(Self.parametersFile), maximumBytes: NetworkParameters.maximumBytes))
        let served = try ServedParameters(parameters, key: key, chain: chain)
        // The server's own material must pass the checks every client makes.
        do {
            _ = try trust.verifiedParameters(try SignedEnvelope.decode(served.signed, maximumBytes: NetworkMapLimits.maximumRecordBytes), at: now())
            let map = NetworkMap(groupId: parameters.groupId, networkParametersHash: served.hash, nodeInfoHashes: [])
            _ = try trust.verifiedMap(try SignedEnvelope.sign(payload: map.encoded(), key: key, chain: chain), at: now())
        } catch {
            throw NetworkMapError(.invalidServerHome, "\(Self.certificateFile): \(error.detail)")
        }
        groupId = parameters.groupId
        current = served
        if FileManager.default.fileExists(atPath: path(Self.parametersUpdateFile)) {
            let update = try PendingParameters.Input.parse(
                try FileLimits.readBytes(path(Self.parametersUpdateFile), maximumBytes: NetworkParameters.maximumBytes * 2))
            guard update.parameters.groupId == parameters.groupId, update.parameters.epoch > parameters.epoch else {
                throw NetworkMapError(
                    .invalidParameters, "\(Self.parametersUpdateFile): the update must keep the group and raise the epoch above \(parameters.epoch)")
            }
            pending = PendingParameters(
                served: try ServedParameters(update.parameters, key: key, chain: chain), description: update.description,
                updateDeadlineMillis: update.updateDeadlineMillis)
        }
        store = try NetworkMapStore(home: home)
        let loaded = NetworkMapState(entries: try store.loadIndex(), maximumEntries: min(maximumEntries, NetworkMap.maximumEntries))
        state = loaded
        acks = try store.loadAcks()
        for name in store.unreferencedRecords(keeping: Set(loaded.hashes)) { store.removeFile(named: name) }
        self.maxAgeSeconds = maxAgeSeconds
        self.now = now
    }

    /// The entries on the map now (after expiry).
    public func entries() throws(NetworkMapError) -> [NetworkMapState.Entry] {
        try expire()
        return state.entries.values.sorted { $0.identity < $1.identity }
    }

    /// The parameters hash each signer (SHA-256 of its public key) acknowledged.
    public func acknowledgements() -> [String: SecureHash] { acks }

    // MARK: Routes

    /// Answers one request. `path` is the request target without query.
    public func handle(method: String, path: String, body: [UInt8]) -> NetworkMapResponse {
        do {
            return try route(method: method, path: path, body: body)
        } catch {
            return NetworkMapResponse(error: error)
        }
    }

    func route(method: String, path: String, body: [UInt8]) throws(NetworkMapError) -> NetworkMapResponse {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map(String.init)
        switch segments {
        case ["network-map"]:
            try require(method, "GET")
            return try mapResponse()
        case ["network-map", "publish"]:
            try require(method, "POST")
            return try publish(body)
        case ["network-map", "ack-parameters"]:
            try require(method, "POST")
            return try acknowledge(body)
        case _ where segments.count == 3 && segments[0] == "network-map" && segments[1] == "node-info":
            try require(method, "GET")
            let hash = try SecureHash(segments[2])
            try expire()
            guard state.contains(hash) else { throw NetworkMapError(.unknownHash, "no member record \(hash)") }
            return immutable(try store.readRecord(hash))
        case _ where segments.count == 2 && segments[0] == "network-parameters":
            try require(method, "GET")
            let hash = try SecureHash(segments[1])
            promoteIfDue()
            // Both the current and the announced parameters are served.
            guard let served = [current, pending?.served].compactMap({ $0 }).first(where: { $0.hash == hash }) else {
                throw NetworkMapError(.unknownHash, "no network parameters \(hash)")
            }
            return immutable(served.signed)
        default:
            throw NetworkMapError(.notFound, "no such resource")
        }
    }

    func require(_ method: String, _ expected: String) throws(NetworkMapError) {
        guard method == expected else { throw NetworkMapError(.methodNotAllowed, "use \(expected)") }
    }

    func immutable(_ body: [UInt8]) -> NetworkMapResponse {
        NetworkMapResponse(status: 200, headers: [Self.octetStream, ("Cache-Control", Self.immutableCacheControl)], body: body)
    }

    func mapResponse() throws(NetworkMapError) -> NetworkMapResponse {
        try expire()
        let bytes: [UInt8]
        if let signedMap {
            bytes = signedMap
        } else {
            let update = pending.map {
                ParametersUpdate(newParametersHash: $0.served.hash, description: $0.description, updateDeadlineMillis: $0.updateDeadlineMillis)
            }
            let map = NetworkMap(groupId: groupId, networkParametersHash: current.hash, nodeInfoHashes: state.hashes, parametersUpdate: update)
            bytes = try SignedEnvelope.sign(payload: map.encoded(), key: key, chain: chain).encoded()
            signedMap = bytes
        }
        return NetworkMapResponse(status: 200, headers: [Self.octetStream, ("Cache-Control", "max-age=\(maxAgeSeconds)")], body: bytes)
    }

    func publish(_ body: [UInt8]) throws(NetworkMapError) -> NetworkMapResponse {
        let envelope = try SignedEnvelope.decode(body, maximumBytes: NetworkMapLimits.maximumRequestBytes)
        let record = try trust.verifiedMember(envelope, at: now())
        let identity = record.member.holdingIdentity
        guard identity.groupID == groupId else {
            throw NetworkMapError(.wrongGroup, "this map serves group \(groupId), not \(identity.groupID)")
        }
        promoteIfDue()
        guard record.platformVersion >= current.parameters.minimumPlatformVersion else {
            throw NetworkMapError(
                .platformVersionTooLow,
                "platform version \(record.platformVersion) is below the minimum \(current.parameters.minimumPlatformVersion)")
        }
        try expire()
        var next = state
        let outcome = try next.publish(identity: identity.description, hash: envelope.hash, serial: record.member.serial, now: now())
        if case .stored = outcome { try store.writeRecord(envelope.hash, body) }
        try store.saveIndex(next)
        state = next
        if case .stored(let replaced) = outcome {
            signedMap = nil
            if let replaced { store.deleteRecord(replaced) }
        }
        return NetworkMapResponse(status: 200, headers: [("Content-Type", "text/plain; charset=utf-8")], body: Array("\(envelope.hash)\n".utf8))
    }

    func acknowledge(_ body: [UInt8]) throws(NetworkMapError) -> NetworkMapResponse {
        let envelope = try SignedEnvelope.decode(body, maximumBytes: NetworkMapLimits.maximumRequestBytes)
        let (ack, signer) = try trust.verifiedAck(envelope, at: now())
        promoteIfDue()
        guard ack.parametersHash == current.hash || ack.parametersHash == pending?.served.hash else {
            throw NetworkMapError(.unknownParameters, "parameters \(ack.parametersHash) are not served by this map")
        }
        guard let publicKey = signer.publicKey else { throw NetworkMapError(.untrustedCertificate, "unreadable signer key") }
        let signerID = SecureHash(of: publicKey.derRepresentation).hex
        guard acks[signerID] != nil || acks.count < NetworkMap.maximumEntries else {
            throw NetworkMapError(.mapFull, "\(NetworkMap.maximumEntries) acknowledgements stored already")
        }
        var next = acks
        next[signerID] = ack.parametersHash
        try store.saveAcks(next)
        acks = next
        return NetworkMapResponse(status: 200, headers: [("Content-Type", "text/plain; charset=utf-8")], body: Array("\(ack.parametersHash)\n".utf8))
    }

    /// On the flag day the announced parameters become current (and stay so: the operator then
    /// replaces `network-parameters.json` and removes the update file).
    func promoteIfDue() {
        guard let pending, NetworkMapState.millis(now()) >= pending.updateDeadlineMillis else { return }
        current = pending.served
        self.pending = nil
        signedMap = nil
    }

    /// Drops entries past the event horizon, durably, then deletes their records.
    func expire() throws(NetworkMapError) {
        promoteIfDue()
        var next = state
        let expired = next.expire(eventHorizonSeconds: current.parameters.eventHorizonSeconds, now: now())
        guard !expired.isEmpty else { return }
        try store.saveIndex(next)
        state = next
        signedMap = nil
        for entry in expired { store.deleteRecord(entry.hash) }
    }

    // MARK: Material

    static func readKey(_ path: String) throws(NetworkMapError) -> PrivateKey {
        var info = stat()
        guard stat(path, &info) == 0 else { throw NetworkMapError(.invalidServerHome, "cannot read \(path)") }
        guard info.st_mode & 0o077 == 0 else {
            throw NetworkMapError(.invalidServerHome, "\(path) has mode \(String(info.st_mode & 0o777, radix: 8)); it must be 0600 or stricter")
        }
        do {
            return try PrivateKey(pemEncoded: try FileLimits.readText(path, maximumBytes: SignedEnvelope.maximumCertificateBytes))
        } catch let error as NetworkMapError {
            throw error
        } catch {
            throw NetworkMapError(.invalidServerHome, "\(path): not a PEM private key")
        }
    }

    static func readChain(_ path: String) throws(NetworkMapError) -> [Certificate] {
        let pem = try FileLimits.readText(path, maximumBytes: SignedEnvelope.maximumCertificates * SignedEnvelope.maximumCertificateBytes)
        do {
            return try Certificate.chain(pemEncoded: pem, maximumCount: SignedEnvelope.maximumCertificates)
        } catch {
            throw NetworkMapError(.invalidServerHome, "\(path): no PEM certificate")
        }
    }
}

/// Parameters as the server serves them: the value, its hash and the signed bytes.
public struct ServedParameters: Sendable, Hashable {
    public let parameters: NetworkParameters
    public let hash: SecureHash
    let signed: [UInt8]

    init(_ parameters: NetworkParameters, key: PrivateKey, chain: [Certificate]) throws(NetworkMapError) {
        let envelope = try SignedEnvelope.sign(payload: parameters.encoded(), key: key, chain: chain)
        self.parameters = parameters
        self.hash = envelope.hash
        self.signed = envelope.encoded()
    }
}

/// Parameters announced for a flag day (`network-parameters-update.json`).
public struct PendingParameters: Sendable, Hashable {
    public let served: ServedParameters
    public let description: String
    public let updateDeadlineMillis: Int64

    /// The operator's file: `{"parameters": {…}, "description": "…", "updateDeadlineMillis": …}`.
    struct Input: Decodable {
        var parameters: NetworkParameters
        var description: String
        var updateDeadlineMillis: Int64

        enum CodingKeys: String, CodingKey, CaseIterable { case parameters, description, updateDeadlineMillis }

        init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownFields(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            parameters = try c.decode(NetworkParameters.self, forKey: .parameters)
            description = try c.decode(String.self, forKey: .description)
            updateDeadlineMillis = try c.decode(Int64.self, forKey: .updateDeadlineMillis)
        }

        static func parse(_ bytes: [UInt8]) throws(NetworkMapError) -> Input {
            let input: Input
            do {
                input = try StrictJSON.decode(Input.self, from: bytes, maximumBytes: NetworkParameters.maximumBytes * 2)
            } catch {
                throw NetworkMapError(.invalidParameters, "\(NetworkMapService.parametersUpdateFile): \(SignedEnvelope.describe(error))")
            }
            try input.parameters.validate()
            guard input.description.utf8.count <= ParametersUpdate.maximumDescriptionBytes else {
                throw NetworkMapError(.invalidParameters, "description: longer than \(ParametersUpdate.maximumDescriptionBytes) bytes")
            }
            return input
        }
    }
}
