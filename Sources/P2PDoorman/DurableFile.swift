import Foundation
import P2PDurableStorage

/// The doorman's durable files: ``P2PDurableStorage/DurableStorage`` with its failures as doorman errors
/// (`storageFailed`; a file over its bound is a `corruptRecord`).
enum DurableFile {
    /// Replaces `url` with `bytes` atomically and durably, the file created with `mode`.
    static func write(_ bytes: [UInt8], to url: URL, mode: mode_t) throws(DoormanError) {
        do { try DurableStorage.write(bytes, to: url, mode: mode) } catch { throw doormanError(error) }
    }

    /// The file's bytes, or nil when it does not exist; larger than `maximumBytes` is `.corruptRecord`.
    static func read(_ url: URL, maximumBytes: Int) throws(DoormanError) -> [UInt8]? {
        do { return try DurableStorage.read(url, maximumBytes: maximumBytes) } catch { throw doormanError(error) }
    }

    /// Flushes a directory's entries (a rename or unlink in it) to disk.
    static func syncDirectory(_ directory: URL) throws(DoormanError) {
        do { try DurableStorage.syncDirectory(directory) } catch { throw doormanError(error) }
    }

    /// Creates `url` (and its parents) with `mode` unless it exists.
    static func makeDirectory(_ url: URL, mode: Int = 0o700) throws(DoormanError) {
        do { try DurableStorage.makeDirectory(url, mode: mode) } catch { throw doormanError(error) }
    }

    /// Removes temporary files a crash left in `directory`.
    static func removeTemporaries(in directory: URL) {
        DurableStorage.removeTemporaries(in: directory, maximum: DoormanLimits.maximumStoredRequests)
    }

    static func failure(_ operation: String, _ url: URL, file: String = #fileID, line: Int = #line) -> DoormanError {
        DoormanError(.storageFailed, "\(operation) \(url.lastPathComponent): errno \(errno)", file: file, line: line)
    }

    private static func doormanError(_ error: DurableStorageError) -> DoormanError {
        DoormanError(error.code == .tooLarge ? .corruptRecord : .storageFailed, error.detail, file: error.file, line: error.line)
    }
}
