import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// An exclusive advisory lock on a file (`flock`), held from ``acquire(_:)`` until the value is dropped.
final class FileLock {
    private let descriptor: Int32

    private init(descriptor: Int32) { self.descriptor = descriptor }

    deinit { close(descriptor) }  // releases the lock

    static func acquire(_ url: URL) throws(DoormanError) -> FileLock {
        let descriptor = open(url.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw DurableFile.failure("open lock", url) }
        let lock = FileLock(descriptor: descriptor)
        while flock(descriptor, LOCK_EX) != 0 {
            guard errno == EINTR else { throw DurableFile.failure("flock", url) }
        }
        return lock
    }
}
