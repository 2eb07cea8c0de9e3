import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// File writes with an explicit mode set before any byte is written, for key material.
enum SecureFile {
    /// The largest file read back.
    static let maximumFileSize = X509Limits.maximumEncodedSize * 4

    static func write(_ url: URL, _ bytes: [UInt8], mode: mode_t) throws(X509Error) {
        let descriptor = open(url.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard descriptor >= 0 else { throw X509Error(.encodingFailed, "cannot write \(url.path): errno \(errno)") }
        defer { close(descriptor) }
        guard fchmod(descriptor, mode) == 0 else { throw X509Error(.encodingFailed, "chmod \(url.path)") }
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            guard written > 0 else { throw X509Error(.encodingFailed, "write \(url.path): errno \(errno)") }
            offset += written
        }
    }

    static func readString(_ url: URL) throws(X509Error) -> String {
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw X509Error(.encodingFailed, "cannot read \(url.path)") }
        guard data.count <= maximumFileSize else { throw X509Error(.inputTooLarge, url.path) }
        return String(decoding: data, as: UTF8.self)
    }

    static func makeDirectory(_ url: URL, mode: Int) throws(X509Error) {
        do {
            try FileManager.default.createDirectory(
                at: url, withIntermediateDirectories: true, attributes: [.posixPermissions: mode])
        } catch { throw X509Error(.encodingFailed, "cannot create \(url.path)") }
    }
}
