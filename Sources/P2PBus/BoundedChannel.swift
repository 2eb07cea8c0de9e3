import Dispatch
import Synchronization

/// A single-consumer queue with a capacity that producers respect by waiting for space.
///
/// `enqueue` never blocks so that an ordered producer (an actor) can append to several channels
/// atomically, then `waitForSpace()`; threads outside Swift concurrency use `sendBlocking`.
/// The buffer therefore holds at most `capacity` plus one element per producer that is waiting.
package final class BoundedChannel<Element: Sendable>: Sendable {
    private enum SpaceWaiter {
        case task(CheckedContinuation<Void, Never>)
        case thread(DispatchSemaphore)
    }
    private struct State {
        var buffer: [Element] = []
        var head = 0
        var finished = false
        var consumer: CheckedContinuation<Element?, Never>?
        var spaceWaiters: [SpaceWaiter] = []
        var count: Int { buffer.count - head }
    }
    package let capacity: Int
    private let state = Mutex(State())

    package init(capacity: Int) {
        precondition(capacity > 0)
        self.capacity = capacity
    }

    /// Appends `element` even beyond capacity; returns `false` once finished.
    @discardableResult
    package func enqueue(_ element: Element) -> Bool {
        let (accepted, consumer): (Bool, CheckedContinuation<Element?, Never>?) = state.withLock { state in
            guard !state.finished else { return (false, nil) }
            if let consumer = state.consumer {
                state.consumer = nil
                return (true, consumer)
            }
            state.buffer.append(element)
            return (true, nil)
        }
        consumer?.resume(returning: element)
        return accepted
    }

    /// Suspends while the buffer holds `capacity` or more elements (returns at once when finished).
    package func waitForSpace() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let ready = state.withLock { state in
                if state.finished || state.count < capacity { return true }
                state.spaceWaiters.append(.task(continuation))
                return false
            }
            if ready { continuation.resume() }
        }
    }

    /// For threads outside Swift concurrency: waits for space, then appends.
    @discardableResult
    package func sendBlocking(_ element: Element) -> Bool {
        while true {
            let semaphore: DispatchSemaphore? = state.withLock { state in
                if state.finished || state.count < capacity { return nil }
                let semaphore = DispatchSemaphore(value: 0)
                state.spaceWaiters.append(.thread(semaphore))
                return semaphore
            }
            guard let semaphore else { return enqueue(element) }
            semaphore.wait()
        }
    }

    /// The next element, or `nil` once finished and drained.
    package func next() async -> Element? {
        await withCheckedContinuation { (continuation: CheckedContinuation<Element?, Never>) in
            let (result, ready, wake): (Element?, Bool, [SpaceWaiter]) = state.withLock { state in
                if state.count > 0 {
                    let element = state.buffer[state.head]
                    state.head += 1
                    if state.head > 64, state.head * 2 > state.buffer.count {
                        state.buffer.removeFirst(state.head)
                        state.head = 0
                    }
                    var wake: [SpaceWaiter] = []
                    if state.count < capacity {
                        wake = state.spaceWaiters
                        state.spaceWaiters = []
                    }
                    return (element, true, wake)
                }
                if state.finished { return (nil, true, []) }
                state.consumer = continuation
                return (nil, false, [])
            }
            Self.wake(wake)
            if ready { continuation.resume(returning: result) }
        }
    }

    /// No more elements will be accepted; the consumer drains what is buffered, then sees `nil`.
    package func finish() {
        let (consumer, waiters) = state.withLock { state in
            state.finished = true
            let consumer = state.count == 0 ? state.consumer : nil
            if consumer != nil { state.consumer = nil }
            let waiters = state.spaceWaiters
            state.spaceWaiters = []
            return (consumer, waiters)
        }
        consumer?.resume(returning: nil)
        Self.wake(waiters)
    }

    package var isFinished: Bool { state.withLock { $0.finished } }

    private static func wake(_ waiters: [SpaceWaiter]) {
        for waiter in waiters {
            switch waiter {
            case .task(let continuation): continuation.resume()
            case .thread(let semaphore): semaphore.signal()
            }
        }
    }
}
