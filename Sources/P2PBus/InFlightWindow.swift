import Synchronization

/// A counting window: `acquire` suspends while `capacity` permits are out; `release` returns one.
///
/// Waiters are served in FIFO order. The number of waiters is bounded by the number of tasks
/// calling `acquire` concurrently; nothing else is queued.
package final class InFlightWindow: Sendable {
    private struct State {
        var inFlight = 0
        var waiters: [CheckedContinuation<Void, Never>] = []
        var head = 0
        /// Tasks waiting for `inFlight` to reach zero (`flush`).
        var emptyWaiters: [CheckedContinuation<Void, Never>] = []
    }
    package let capacity: Int
    private let state = Mutex(State())

    package init(capacity: Int) {
        precondition(capacity > 0)
        self.capacity = capacity
    }

    package var inFlight: Int { state.withLock { $0.inFlight } }

    /// Takes a permit, suspending while none is free.
    package func acquire() async {
        let acquired = state.withLock { state in
            guard state.inFlight < capacity, state.head == state.waiters.count else { return false }
            state.inFlight += 1
            return true
        }
        if acquired { return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = state.withLock { state in
                if state.inFlight < capacity, state.head == state.waiters.count {
                    state.inFlight += 1
                    return true
                }
                state.waiters.append(continuation)
                return false
            }
            if now { continuation.resume() }
        }
    }

    /// Returns a permit, handing it to the oldest waiter if there is one.
    package func release() {
        let (next, empty): (CheckedContinuation<Void, Never>?, [CheckedContinuation<Void, Never>]) = state.withLock { state in
            if state.head < state.waiters.count {
                let waiter = state.waiters[state.head]
                state.head += 1
                if state.head == state.waiters.count {
                    state.waiters.removeAll(keepingCapacity: true)
                    state.head = 0
                }
                return (waiter, [])  // the permit passes on: inFlight unchanged
            }
            state.inFlight -= 1
            guard state.inFlight == 0, !state.emptyWaiters.isEmpty else { return (nil, []) }
            defer { state.emptyWaiters = [] }
            return (nil, state.emptyWaiters)
        }
        next?.resume()
        for waiter in empty { waiter.resume() }
    }

    /// Suspends until no permit is out.
    package func waitUntilEmpty() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let empty = state.withLock { state in
                if state.inFlight == 0 { return true }
                state.emptyWaiters.append(continuation)
                return false
            }
            if empty { continuation.resume() }
        }
    }
}
