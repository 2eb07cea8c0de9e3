import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Whole-file writes that survive a crash: temporary file, `fsync`, `rename`, `fsync` of the directory.
enum DurableFile {
    /// The prefix of temporary files; such files are removed by ``removeTemporaries(in:)``.
    static let temporaryPrefix = ".tmp-"

    /// Replaces `url` with `bytes` atomically and durably, the file created with `mode`.
    static func write(_ bytes: [UInt8], to url: URL, mode: mode_t) throws(DoormanError) {
        let directory = url.deletingLastPathComponent()
        let temporary = directory.appending(path: temporaryPrefix + url.lastPathComponent + "-" + RequestID.random().description)
        let descriptor = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard descriptor >= 0 else { throw failure("create", temporary) }
        var ok = fchmod(descriptor, mode) == 0
        var offset = 0
        while ok, offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if written > 0 { offset += written } else if written < 0, errno == EINTR { continue } else { ok = false }
        }
        ok = ok && fsync(descriptor) == 0
        let code = errno
        close(descriptor)
        guard ok, rename(temporary.path, url.path) == 0 else {
            unlink(temporary.path)
            errno = code
            throw failure("write", url)
        }
        try syncDirectory(directory)
    }

    /// Flushes a directory's entries (a rename or unlink in it) to disk.
    static func syncDirectory(_ directory: URL) throws(DoormanError) {
        let descriptor = open(directory.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw failure("open directory", directory) }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw failure("fsync directory", directory) }
    }

    /// The file's bytes, or nil when it does not exist; larger than `maximumBytes` is `.corruptRecord`.
    static func read(_ url: URL, maximumBytes: Int) throws(DoormanError) -> [UInt8]? {
        let descriptor = open(url.path, O_RDONLY | O_CLOEXEC)
        if descriptor < 0, errno == ENOENT { return nil }
        guard descriptor >= 0 else { throw failure("open", url) }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count == 0 { break }
            if count < 0 {
                if errno == EINTR { continue }
                throw failure("read", url)
            }
            guard bytes.count + count <= maximumBytes else {
                throw DoormanError(.corruptRecord, "\(url.lastPathComponent) is larger than \(maximumBytes) bytes")
            }
            bytes += chunk[..<count]
        }
        return bytes
    }

    /// Creates `url` (and its parents) with `mode` unless it exists.
    static func makeDirectory(_ url: URL, mode: Int = 0o700) throws(DoormanError) {
        do {
            try FileManager.default.createDirectory(
                at: url, withIntermediateDirectories: true, attributes: [.posixPermissions: mode])
        } catch { throw DoormanError(.storageFailed, "cannot create \(url.path)") }
    }

    /// Removes temporary files a crash left in `directory`.
    static func removeTemporaries(in directory: URL) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        for name in names.prefix(DoormanLimits.maximumStoredRequests) where name.hasPrefix(temporaryPrefix) {
            unlink(directory.appending(path: name).path)
        }
    }

    static func failure(_ operation: String, _ url: URL, file: String = #fileID, line: Int = #line) -> DoormanError {
        DoormanError(.storageFailed, "\(operation) \(url.lastPathComponent): errno \(errno)", file: file, line: line)
    }
}
