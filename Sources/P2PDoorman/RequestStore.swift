import Foundation

/// The doorman's durable state: one file per request and one per issued legal name, in a directory
/// shared by the server and the operator's commands (`docs/doorman.md` §3).
struct RequestStore: Sendable {
    let home: DoormanHome

    /// Opens the store under `home`, creating its directories and removing temporary files a crash left.
    init(home: DoormanHome) throws(DoormanError) {
        self.home = home
        try DurableFile.makeDirectory(home.requestsDirectory)
        try DurableFile.makeDirectory(home.namesDirectory)
        DurableFile.removeTemporaries(in: home.requestsDirectory)
        DurableFile.removeTemporaries(in: home.namesDirectory)
    }

    /// Runs `body` holding the store's exclusive lock (across processes).
    func locked<T>(_ body: () throws(DoormanError) -> T) throws(DoormanError) -> T {
        let lock = try FileLock.acquire(home.lockFile)
        defer { withExtendedLifetime(lock) {} }
        return try body()
    }

    func write(_ record: RequestRecord) throws(DoormanError) {
        let bytes: Data
        do { bytes = try Self.encoder.encode(record) } catch { throw DoormanError(.storageFailed, "encoding \(record.id)") }
        try DurableFile.write(Array(bytes), to: home.requestFile(record.id), mode: 0o600)
    }

    /// The record of `id`, or nil when there is none.
    func read(_ id: RequestID) throws(DoormanError) -> RequestRecord? {
        guard let bytes = try DurableFile.read(home.requestFile(id), maximumBytes: DoormanLimits.maximumRecordBytes) else {
            return nil
        }
        do {
            let record = try JSONDecoder().decode(RequestRecord.self, from: Data(bytes))
            guard record.id == id else { throw DoormanError(.corruptRecord, "\(id): id does not match the file name") }
            return record
        } catch let error as DoormanError {
            throw error
        } catch { throw DoormanError(.corruptRecord, "\(id): not a request record") }
    }

    /// Every record, oldest first (at most ``DoormanLimits/maximumStoredRequests`` files are read).
    func all() throws(DoormanError) -> [RequestRecord] {
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: home.requestsDirectory.path) } catch {
            throw DoormanError(.storageFailed, "cannot list \(home.requestsDirectory.path)")
        }
        var records: [RequestRecord] = []
        for name in names.prefix(DoormanLimits.maximumStoredRequests) where name.hasSuffix(".json") {
            guard let id = RequestID(name.dropLast(5)), let record = try read(id) else { continue }
            records.append(record)
        }
        return records.sorted { ($0.submittedAt, $0.id) < ($1.submittedAt, $1.id) }
    }

    /// Who holds `legalName`, compared with the requesting key's fingerprint.
    func claim(of legalName: String, keyFingerprint: String) throws(DoormanError) -> NameClaim {
        guard let bytes = try DurableFile.read(nameFile(legalName), maximumBytes: DoormanLimits.maximumRecordBytes) else {
            return .unclaimed
        }
        guard let holder = try? JSONDecoder().decode(NameHolder.self, from: Data(bytes)), holder.legalName == legalName else {
            throw DoormanError(.corruptRecord, "name file of \(legalName)")
        }
        return holder.keyFingerprint == keyFingerprint ? .heldBySameKey : .heldByAnotherKey
    }

    /// Records that `legalName` is issued to the key with `keyFingerprint`.
    func recordIssued(_ legalName: String, keyFingerprint: String, id: RequestID) throws(DoormanError) {
        let holder = NameHolder(legalName: legalName, keyFingerprint: keyFingerprint, requestID: id)
        let bytes: Data
        do { bytes = try Self.encoder.encode(holder) } catch { throw DoormanError(.storageFailed, "encoding name") }
        try DurableFile.write(Array(bytes), to: nameFile(legalName), mode: 0o600)
    }

    private func nameFile(_ legalName: String) -> URL {
        home.namesDirectory.appending(path: "\(SHA256Hex.of(Array(legalName.utf8))).json")
    }

    private static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        return encoder
    }
}

/// The contents of a `names/<hash>.json` file.
struct NameHolder: Codable {
    let legalName: String
    let keyFingerprint: String
    let requestID: RequestID
}
