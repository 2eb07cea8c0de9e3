import Foundation
import P2PCrypto
import P2PMembership
import Testing

@Suite("cluster key files and sealing")
struct ClusterKeyTests {
    static func temporaryPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("p2p-ck-\(UUID().uuidString)-\(name)").path
    }

    static func write(_ bytes: [UInt8], mode: Int) throws -> String {
        let path = temporaryPath("key")
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
        return path
    }

    @Test("a generated key file is mode 0600 hex and reads back to the same key id")
    func roundTrip() throws {
        let key = ClusterKey.generate()
        let path = Self.temporaryPath("generated")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try key.write(toNewFile: path)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        #expect((attributes[.size] as? Int) == 65)
        #expect(try ClusterKey(contentsOf: path).keyID == key.keyID)
        #expect(throws: MembershipError.self) { try key.write(toNewFile: path) }
        #expect(!key.description.contains(String(decoding: (try? Data(contentsOf: URL(fileURLWithPath: path))) ?? Data(), as: UTF8.self).prefix(64)))
    }

    @Test("32 raw bytes are a key too; 0400 is accepted")
    func rawBytes() throws {
        let path = try Self.write(Array(repeating: 7, count: 32), mode: 0o400)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let key = try ClusterKey(contentsOf: path)
        #expect(key.keyID.count == 16)
        #expect(key.keyID == (try ClusterKey(secret: SecretBytes(copying: Array(repeating: UInt8(7), count: 32)))).keyID)
    }

    @Test("a file group or others can read is refused with its mode and the fix", arguments: [0o644, 0o640, 0o604, 0o660])
    func permissions(mode: Int) throws {
        let path = try Self.write(Array(repeating: 1, count: 32), mode: mode)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let error = #expect(throws: MembershipError.self) { try ClusterKey(contentsOf: path) }
        #expect(error?.code == .clusterKeyPermissions)
        #expect(error?.description.contains("0\(String(mode, radix: 8))") == true)
        #expect(error?.description.contains("chmod 600") == true)
    }

    @Test("a key of the wrong size is refused", arguments: [0, 16, 31, 33, 63, 64 + 3, 100])
    func wrongSize(size: Int) throws {
        let path = try Self.write(Array(repeating: UInt8(ascii: "a"), count: size), mode: 0o600)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let error = #expect(throws: MembershipError.self) { try ClusterKey(contentsOf: path) }
        #expect(error?.code == .clusterKeySize, "\(String(describing: error))")
    }

    @Test("hex that is not hex is refused; a missing file is unreadable")
    func badHex() throws {
        let path = try Self.write(Array(repeating: UInt8(ascii: "z"), count: 64), mode: 0o600)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: MembershipError.self) { try ClusterKey(contentsOf: path) }
        let missing = #expect(throws: MembershipError.self) { try ClusterKey(contentsOf: Self.temporaryPath("none")) }
        #expect(missing?.code == .clusterKeyUnreadable)
    }

    @Test("seal and open; another key is named as such; a changed box does not open")
    func sealing() throws {
        let key = ClusterKey.generate()
        let secret: [UInt8] = Array(0..<100)
        let box = try secret.withUnsafeBytes { try key.seal($0) }
        #expect(box.algorithm == "xsalsa20poly1305")
        #expect(box.clusterKeyId == key.keyID)
        let opened = try key.open(box)
        #expect(opened.withUnsafeBytes { Array($0) } == secret)
        // Fresh nonce each time.
        #expect(try secret.withUnsafeBytes { try key.seal($0) }.nonce != box.nonce)

        let other = #expect(throws: MembershipError.self) { try ClusterKey.generate().open(box) }
        #expect(other?.code == .wrongClusterKey)

        var tampered = box
        var bytes = [UInt8](Data(base64Encoded: box.ciphertext)!)
        bytes[20] ^= 1
        tampered.ciphertext = Data(bytes).base64EncodedString()
        let changed = #expect(throws: MembershipError.self) { try key.open(tampered) }
        #expect(changed?.code == .unsealFailed)
    }
}
