import Synchronization

/// A table watch: an async sequence of `TableEvent`s. Cancel it to stop watching; a watch whose
/// copies and iterators are all gone cancels itself.
public struct TableWatch: AsyncSequence, Sendable {
    public typealias Element = TableEvent
    /// Events buffered for a watcher that has not read them yet; beyond it, writers wait.
    public static let bufferCapacity = 1024

    /// Ends the watch when the last copy of the watch or of its iterators goes away.
    final class Lifetime: Sendable {
        let channel: BoundedChannel<TableEvent>
        let onCancel: @Sendable () -> Void
        let cancelled = Atomic<Bool>(false)
        init(channel: BoundedChannel<TableEvent>, onCancel: @escaping @Sendable () -> Void) {
            self.channel = channel
            self.onCancel = onCancel
        }
        func cancel() {
            guard !cancelled.exchange(true, ordering: .acquiringAndReleasing) else { return }
            channel.finish()
            onCancel()
        }
        deinit { cancel() }
    }

    let lifetime: Lifetime

    package init(channel: BoundedChannel<TableEvent>, onCancel: @escaping @Sendable () -> Void) {
        lifetime = Lifetime(channel: channel, onCancel: onCancel)
    }

    /// Stops the watch; the sequence ends after the buffered events.
    public func cancel() {
        lifetime.cancel()
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        let lifetime: Lifetime
        public mutating func next() async -> TableEvent? { await lifetime.channel.next() }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(lifetime: lifetime) }
}
