import Foundation
import P2PDurableStorage
#if canImport(Glibc)
import Glibc
#endif

/// The server's files under its home directory, written so that a 200 means "on disk": every file is
/// written to a temporary file in the same directory, `fsync`ed, renamed over the old one, and the
/// directory is `fsync`ed. See `docs/network-map.md`, "Server".
struct NetworkMapStore: Sendable {
    static let entriesDirectory = "entries"
    static let indexFile = "entries.json"
    static let acksFile = "acks.json"
    /// The largest index or acknowledgement file read back (10 000 entries of about 250 bytes).
    static let maximumIndexBytes = 8 * 1024 * 1024
    /// The largest stored record read back.
    static let maximumRecordBytes = NetworkMapLimits.maximumRequestBytes

    let home: URL
    var entries: URL { home.appendingPathComponent(Self.entriesDirectory, isDirectory: true) }

    init(home: URL) throws(NetworkMapError) {
        self.home = home
        do {
            try FileManager.default.createDirectory(at: home.appendingPathComponent(Self.entriesDirectory), withIntermediateDirectories: true)
        } catch {
            throw NetworkMapError(.invalidServerHome, "cannot create \(Self.entriesDirectory) in \(home.path)")
        }
    }

    // MARK: Records

    func recordURL(_ hash: SecureHash) -> URL { entries.appendingPathComponent(hash.hex) }

    func writeRecord(_ hash: SecureHash, _ bytes: [UInt8]) throws(NetworkMapError) {
        try Self.writeAtomically(bytes, to: recordURL(hash))
    }

    func readRecord(_ hash: SecureHash) throws(NetworkMapError) -> [UInt8] {
        try FileLimits.readBytes(recordURL(hash).path, maximumBytes: Self.maximumRecordBytes)
    }

    func deleteRecord(_ hash: SecureHash) {
        unlink(recordURL(hash).path)
    }

    /// Record files no index entry names (left by a crash between the record and the index write).
    func unreferencedRecords(keeping hashes: Set<SecureHash>) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: entries.path)) ?? []
        return names.filter { name in (try? SecureHash(name)).map { !hashes.contains($0) } ?? true }
    }

    func removeFile(named name: String) { unlink(entries.appendingPathComponent(name).path) }

    // MARK: Index and acknowledgements

    func loadIndex() throws(NetworkMapError) -> [NetworkMapState.Entry] {
        try load([NetworkMapState.Entry].self, Self.indexFile) ?? []
    }

    func saveIndex(_ state: NetworkMapState) throws(NetworkMapError) {
        try save(state.entries.values.sorted { $0.identity < $1.identity }, Self.indexFile)
    }

    func loadAcks() throws(NetworkMapError) -> [String: SecureHash] {
        try load([String: SecureHash].self, Self.acksFile) ?? [:]
    }

    func saveAcks(_ acks: [String: SecureHash]) throws(NetworkMapError) {
        try save(acks, Self.acksFile)
    }

    func load<T: Decodable>(_ type: T.Type, _ name: String) throws(NetworkMapError) -> T? {
        let url = home.appendingPathComponent(name)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        let bytes = try FileLimits.readBytes(url.path, maximumBytes: Self.maximumIndexBytes)
        do {
            return try JSONDecoder().decode(T.self, from: Data(bytes))
        } catch {
            throw NetworkMapError(.invalidServerHome, "\(url.path) is not a valid \(name)")
        }
    }

    func save<T: Encodable>(_ value: T, _ name: String) throws(NetworkMapError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data: Data
        do { data = try encoder.encode(value) } catch { throw NetworkMapError(.storageFailed, "encoding \(name)") }
        try Self.writeAtomically([UInt8](data), to: home.appendingPathComponent(name))
    }

    // MARK: Durable writes

    /// Temporary file, write, fsync, rename, fsync of the directory (``P2PDurableStorage/DurableStorage``).
    static func writeAtomically(_ bytes: [UInt8], to url: URL) throws(NetworkMapError) {
        do { try DurableStorage.write(bytes, to: url, mode: 0o644) } catch {
            throw NetworkMapError(.storageFailed, error.detail)
        }
    }
}

/// The server's and client's size limits.
public enum NetworkMapLimits {
    /// The largest request body the server reads (a larger one is answered 413).
    public static let maximumRequestBytes = 256 * 1024
    /// The largest signed map a client downloads.
    public static let maximumMapBytes = 4 * 1024 * 1024
    /// The largest signed member record or parameters a client downloads.
    public static let maximumRecordBytes = 256 * 1024
    /// `Cache-Control: max-age` of the map, seconds: default and allowed range.
    public static let defaultMaxAgeSeconds = 10
    public static let maxAgeRange = 1...3600
}
