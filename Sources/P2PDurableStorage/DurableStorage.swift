public import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Whole-file reads bounded before they grow, and writes that survive a crash: a temporary file created with its
/// final mode next to the target, written, `fsync`ed, renamed over the target, and the directory `fsync`ed, so a
/// reader finds the old content or the new, never a mix. Used by the doorman's store, the network map's store
/// and the bootstrapper; each maps a ``DurableStorageError`` to its own error codes.
public enum DurableStorage {
    /// The prefix of temporary files; a crash can leave them behind, ``removeTemporaries(in:maximum:)`` removes them.
    public static let temporaryPrefix = ".tmp-"

    /// Replaces `url` with `bytes` atomically and durably, the file created with `mode`.
    public static func write(_ bytes: [UInt8], to url: URL, mode: mode_t) throws(DurableStorageError) {
        let directory = url.deletingLastPathComponent()
        let suffix = String(UInt64.random(in: .min ... .max), radix: 16)
        let temporary = directory.appending(path: temporaryPrefix + url.lastPathComponent + "-" + suffix)
        let descriptor = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard descriptor >= 0 else { throw failure("create", temporary) }
        // The first operation that failed, with its errno (later calls may change errno).
        var failed: (operation: String, code: Int32)?
        if fchmod(descriptor, mode) != 0 { failed = ("chmod", errno) }
        var offset = 0
        while failed == nil, offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if written > 0 { offset += written } else if written < 0, errno == EINTR { continue } else { failed = ("write", errno) }
        }
        if failed == nil, fsync(descriptor) != 0 { failed = ("fsync", errno) }
        close(descriptor)
        if failed == nil, rename(temporary.path, url.path) != 0 { failed = ("rename", errno) }
        if let failed {
            unlink(temporary.path)
            throw DurableStorageError(.ioFailed, "\(failed.operation) \(url.path): errno \(failed.code)")
        }
        try syncDirectory(directory)
    }

    /// Flushes a directory's entries (a rename or unlink in it) to disk.
    public static func syncDirectory(_ directory: URL) throws(DurableStorageError) {
        let descriptor = open(directory.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw failure("open directory", directory) }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw failure("fsync directory", directory) }
    }

    /// The file's bytes, or nil when it does not exist. Reading stops, with `tooLarge`, as soon as more than
    /// `maximumBytes` have been read.
    public static func read(_ url: URL, maximumBytes: Int) throws(DurableStorageError) -> [UInt8]? {
        let descriptor = open(url.path, O_RDONLY | O_CLOEXEC)
        if descriptor < 0, errno == ENOENT { return nil }
        guard descriptor >= 0 else { throw failure("open", url) }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count == 0 { return bytes }
            if count < 0 {
                if errno == EINTR { continue }
                throw failure("read", url)
            }
            guard bytes.count + count <= maximumBytes else {
                throw DurableStorageError(.tooLarge, "\(url.path) is larger than \(maximumBytes) bytes")
            }
            bytes += chunk[..<count]
        }
    }

    /// Creates `url` (and its parents) with `mode` unless it exists.
    public static func makeDirectory(_ url: URL, mode: Int) throws(DurableStorageError) {
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true, attributes: [.posixPermissions: mode])
        } catch { throw DurableStorageError(.ioFailed, "cannot create \(url.path)") }
    }

    /// Removes the temporary files a crash left in `directory`, looking at `maximum` entries at most.
    public static func removeTemporaries(in directory: URL, maximum: Int) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        for name in names.prefix(maximum) where name.hasPrefix(temporaryPrefix) {
            unlink(directory.appending(path: name).path)
        }
    }

    static func failure(_ operation: String, _ url: URL, file: String = #fileID, line: Int = #line) -> DurableStorageError {
        DurableStorageError(.ioFailed, "\(operation) \(url.path): errno \(errno)", file: file, line: line)
    }
}
