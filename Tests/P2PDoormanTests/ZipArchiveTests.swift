import Foundation
import P2PDoorman
import Testing

@Suite struct ZipArchiveTests {
    @Test func crc32MatchesTheCheckValue() {
        // The standard check value of CRC-32/ISO-HDLC.
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(CRC32.checksum([]) == 0)
    }

    @Test func roundTripsStoredEntries() throws {
        let entries: [(name: String, data: [UInt8])] = [("a.cer", [1, 2, 3]), ("b.cer", []), ("c.cer", Array(repeating: 7, count: 1000))]
        let archive = try ZipArchive.stored(entries)
        let read = try ZipArchive.entries(of: archive)
        #expect(read.map(\.name) == entries.map(\.name))
        #expect(read.map(\.data) == entries.map(\.data))
    }

    @Test func corruptionIsDetected() throws {
        var archive = try ZipArchive.stored([("a.cer", [1, 2, 3, 4])])
        archive[30 + 5] ^= 0xFF  // first data byte after the 30-byte header and 5-byte name
        #expect(throws: DoormanError(.invalidArchive)) { try ZipArchive.entries(of: archive) }
        #expect(throws: DoormanError(.invalidArchive)) { try ZipArchive.entries(of: Array(archive.prefix(20))) }
    }

    @Test func realUnzipAndPythonAcceptTheArchive() throws {
        let directory = FileManager.default.temporaryDirectory.appending(path: "p2p-zip-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appending(path: "certificates.zip")
        let payload = Array("hello doorman".utf8)
        try Data(try ZipArchive.stored([("one.cer", payload), ("two.cer", [0, 255, 1])])).write(to: file)
        let unzip = try Tool.run("/usr/bin/unzip", ["-t", file.path])
        #expect(unzip.status == 0, "\(unzip.output)")
        #expect(unzip.output.contains("No errors detected"))
        let python = try Tool.run("/usr/bin/python3", ["-m", "zipfile", "-t", file.path])
        #expect(python.status == 0, "\(python.output)")
        let extracted = try Tool.run("/usr/bin/unzip", ["-p", file.path, "one.cer"])
        #expect(extracted.output == "hello doorman")
    }
}
