import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Whole-file reads and crash-safe writes for the bootstrapper's output: a write goes to a temporary file created
/// with its final mode (0600 for anything holding keys), is fsynced, renamed over the target, and the directory is
/// fsynced, so a file is either the old one or the new one, never half written.
enum AtomicFile {
    /// The largest file read back.
    static let maximumFileSize = 8 * 1024 * 1024

    static func read(_ url: URL) throws(BootstrapError) -> [UInt8]? {
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw BootstrapError(.fileUnreadable, url.path) }
        guard data.count <= maximumFileSize else { throw BootstrapError(.fileUnreadable, "\(url.path) is over \(maximumFileSize) bytes") }
        return Array(data)
    }

    static func write(_ url: URL, _ bytes: [UInt8], mode: mode_t) throws(BootstrapError) {
        let temporary = url.deletingLastPathComponent().appending(path: ".\(url.lastPathComponent).\(getpid()).tmp")
        let descriptor = open(temporary.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard descriptor >= 0 else { throw BootstrapError(.fileUnwritable, "\(temporary.path): errno \(errno)") }
        var failed: String?
        if fchmod(descriptor, mode) != 0 { failed = "chmod: errno \(errno)" }
        var offset = 0
        while failed == nil, offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if written <= 0 { failed = "write: errno \(errno)" } else { offset += written }
        }
        if failed == nil, fsync(descriptor) != 0 { failed = "fsync: errno \(errno)" }
        close(descriptor)
        if failed == nil, rename(temporary.path, url.path) != 0 { failed = "rename: errno \(errno)" }
        if let failed {
            unlink(temporary.path)
            throw BootstrapError(.fileUnwritable, "\(url.path): \(failed)")
        }
        let directory = open(url.deletingLastPathComponent().path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directory >= 0 {
            _ = fsync(directory)
            close(directory)
        }
    }

    static func makeDirectory(_ url: URL, mode: Int) throws(BootstrapError) {
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true, attributes: [.posixPermissions: mode])
        } catch { throw BootstrapError(.fileUnwritable, "cannot create \(url.path)") }
    }
}
