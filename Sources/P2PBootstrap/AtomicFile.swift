import Foundation
import P2PDurableStorage

/// The bootstrapper's files: ``P2PDurableStorage/DurableStorage`` (bounded reads; crash-safe writes created with
/// their final mode, 0600 for anything holding keys) with its failures as bootstrap errors.
enum AtomicFile {
    /// The largest file read back.
    static let maximumFileSize = 8 * 1024 * 1024

    static func read(_ url: URL) throws(BootstrapError) -> [UInt8]? {
        do { return try DurableStorage.read(url, maximumBytes: maximumFileSize) } catch {
            throw BootstrapError(.fileUnreadable, error.detail)
        }
    }

    static func write(_ url: URL, _ bytes: [UInt8], mode: mode_t) throws(BootstrapError) {
        do { try DurableStorage.write(bytes, to: url, mode: mode) } catch {
            throw BootstrapError(.fileUnwritable, error.detail)
        }
    }

    static func makeDirectory(_ url: URL, mode: Int) throws(BootstrapError) {
        do { try DurableStorage.makeDirectory(url, mode: mode) } catch {
            throw BootstrapError(.fileUnwritable, error.detail)
        }
    }
}
