import CSodium
import Foundation
public import P2PCrypto

#if canImport(Glibc)
import Glibc
#endif

/// The 32-byte key that seals every private key the cluster stores on the bus
/// (libsodium `crypto_secretbox`, XSalsa20-Poly1305).
///
/// The operator keeps it in a file readable only by its owner (mode 0600 or stricter): either the
/// 32 raw bytes, or 64 hexadecimal digits optionally followed by a new line. A worker without the
/// file cannot open the sealed keys, hence cannot sign handshakes or serve TLS.
public final class ClusterKey: Sendable, CustomStringConvertible {
    public static let byteCount = 32
    /// Files larger than this are refused before they are read in full.
    public static let maximumFileBytes = 128
    /// Bytes of the key id (the first bytes of HMAC-SHA256(key, `keyIDLabel`)).
    public static let keyIDByteCount = 8
    static let keyIDLabel = Array("swift-p2p cluster key id v1".utf8)

    let secret: SecretBytes
    /// Names this key without revealing it: 16 hexadecimal digits, stored in every sealed box.
    public let keyID: String

    /// A key from 32 secret bytes.
    public init(secret: SecretBytes) throws(MembershipError) {
        guard secret.count == Self.byteCount else {
            throw MembershipError(.clusterKeySize, "a cluster key is \(Self.byteCount) bytes, not \(secret.count)")
        }
        self.secret = secret
        let mac = HMACSHA256(key: secret).authenticate(Self.keyIDLabel)
        self.keyID = Hex.encode(mac.prefix(Self.keyIDByteCount))
    }

    /// A fresh random key.
    public static func generate() -> ClusterKey {
        try! ClusterKey(secret: SecretBytes.random(count: byteCount))
    }

    public var description: String { "ClusterKey(id: \(keyID), redacted)" }

    /// Reads the key file at `path`, refusing a file that group or others may read or write.
    public convenience init(contentsOf path: String) throws(MembershipError) {
        let descriptor = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw MembershipError(.clusterKeyUnreadable, "cannot open cluster key file \(path): errno \(errno)")
        }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            throw MembershipError(.clusterKeyUnreadable, "cluster key file \(path) is not a regular file")
        }
        let permissions = info.st_mode & 0o777
        guard permissions & 0o077 == 0 else {
            throw MembershipError(
                .clusterKeyPermissions,
                "cluster key file \(path) has mode 0\(String(permissions, radix: 8)); it must be 0600 or stricter (chmod 600 \(path))")
        }
        guard info.st_size <= Self.maximumFileBytes else {
            throw MembershipError(.clusterKeySize, "cluster key file \(path) is \(info.st_size) bytes; expected 32 raw bytes or 64 hex digits")
        }
        let size = Int(info.st_size)
        let contents = SecretBytes(count: size) { buffer in
            var offset = 0
            while offset < size {
                let count = read(descriptor, buffer.baseAddress! + offset, size - offset)
                if count <= 0 { break }
                offset += count
            }
        }
        let key: SecretBytes
        if size == Self.byteCount {
            key = contents
        } else if let decoded = Self.decodeHex(contents) {
            key = decoded
        } else {
            throw MembershipError(.clusterKeySize, "cluster key file \(path) is \(size) bytes; expected 32 raw bytes or 64 hex digits")
        }
        try self.init(secret: key)
    }

    /// 64 hex digits, optionally followed by `\n` (or `\r\n`), into 32 secret bytes.
    static func decodeHex(_ text: SecretBytes) -> SecretBytes? {
        text.withUnsafeBytes { bytes -> SecretBytes? in
            var length = bytes.count
            while length > 0, bytes[length - 1] == UInt8(ascii: "\n") || bytes[length - 1] == UInt8(ascii: "\r") { length -= 1 }
            guard length == byteCount * 2, bytes.count - length <= 2 else { return nil }
            var valid = true
            let key = SecretBytes(count: byteCount) { out in
                for index in 0..<byteCount {
                    guard let high = Hex.value(bytes[2 * index]), let low = Hex.value(bytes[2 * index + 1]) else {
                        valid = false
                        return
                    }
                    out[index] = high << 4 | low
                }
            }
            return valid ? key : nil
        }
    }

    /// Writes a fresh key as 64 hex digits and a new line to a new file of mode 0600 (never overwrites).
    public func write(toNewFile path: String) throws(MembershipError) {
        let descriptor = Glibc.open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw MembershipError(.clusterKeyUnreadable, "cannot create \(path) (it must not exist yet): errno \(errno)")
        }
        defer { close(descriptor) }
        guard fchmod(descriptor, 0o600) == 0 else { throw MembershipError(.clusterKeyUnreadable, "chmod \(path)") }
        var text = [UInt8](repeating: 0, count: Self.byteCount * 2 + 1)
        defer { CSodium_memzero(&text, text.count) }
        secret.withUnsafeBytes { bytes in
            for index in 0..<Self.byteCount {
                text[2 * index] = Hex.digits[Int(bytes[index] >> 4)]
                text[2 * index + 1] = Hex.digits[Int(bytes[index] & 0x0F)]
            }
        }
        text[Self.byteCount * 2] = UInt8(ascii: "\n")
        let written = text.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
        guard written == text.count else { throw MembershipError(.clusterKeyUnreadable, "write \(path): errno \(errno)") }
    }
}

/// Lower-case hexadecimal.
enum Hex {
    static let digits = Array("0123456789abcdef".utf8)

    static func encode(_ bytes: some Sequence<UInt8>) -> String {
        var text = [UInt8]()
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    static func value(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// SHA-256 of `bytes` in hex, cut to `characters`.
    static func sha256(_ bytes: [UInt8], characters: Int = 64) -> String {
        String(encode(SHA256.hash(bytes)).prefix(characters))
    }
}
