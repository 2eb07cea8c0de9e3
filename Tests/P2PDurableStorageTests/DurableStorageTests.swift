import Foundation
import P2PDurableStorage
import Testing

@Suite("Durable whole-file storage")
struct DurableStorageTests {
    static func directory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appending(path: "p2p-durable-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test("a write replaces the file whole, with its mode, and leaves no temporary file")
    func writeAndRead() throws {
        let directory = try Self.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appending(path: "key.pem")
        #expect(try DurableStorage.read(file, maximumBytes: 10) == nil)
        try DurableStorage.write(Array("first".utf8), to: file, mode: 0o600)
        try DurableStorage.write(Array("second".utf8), to: file, mode: 0o600)
        #expect(try DurableStorage.read(file, maximumBytes: 6) == Array("second".utf8))
        let mode = try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int
        #expect(mode.map { $0 & 0o777 } == 0o600)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["key.pem"])
    }

    @Test("reads stop at their bound; failures name the operation; leftover temporaries are removed")
    func boundsAndFailures() throws {
        let directory = try Self.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appending(path: "big")
        try DurableStorage.write([UInt8](repeating: 7, count: 40_000), to: file, mode: 0o644)
        #expect(throws: DurableStorageError(.tooLarge)) { try DurableStorage.read(file, maximumBytes: 39_999) }
        #expect(try DurableStorage.read(file, maximumBytes: 40_000)?.count == 40_000)
        do {
            try DurableStorage.write([1], to: directory.appending(path: "missing/file"), mode: 0o644)
            Issue.record("a write into a missing directory succeeded")
        } catch {
            #expect(error.code == .ioFailed && error.detail.hasPrefix("create"))
        }
        let leftover = directory.appending(path: DurableStorage.temporaryPrefix + "big-1")
        #expect(FileManager.default.createFile(atPath: leftover.path, contents: Data([1])))
        DurableStorage.removeTemporaries(in: directory, maximum: 100)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["big"])
    }
}
