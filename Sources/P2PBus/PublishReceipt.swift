import Synchronization

/// The outcome of one `send`: await `accepted()` for the durable acknowledgement.
public struct PublishReceipt: Sendable {
    enum Storage: Sendable {
        case ready(Result<PublishAck, BusError>)
        case pending(PublishPromise)
    }
    let storage: Storage

    package init(_ result: Result<PublishAck, BusError>) { storage = .ready(result) }
    package init(_ promise: PublishPromise) { storage = .pending(promise) }

    /// Completes when the bus durably accepted the record, or throws why it could not.
    public func accepted() async throws(BusError) -> PublishAck {
        switch storage {
        case .ready(let result): return try result.get()
        case .pending(let promise): return try await promise.value()
        }
    }
}

/// A result delivered once, from any thread, to any number of waiters.
package final class PublishPromise: Sendable {
    private enum State {
        case pending([CheckedContinuation<Result<PublishAck, BusError>, Never>])
        case done(Result<PublishAck, BusError>)
    }
    private let state = Mutex(State.pending([]))

    package init() {}

    /// Completes the promise; later calls are ignored (the first result wins).
    package func complete(_ result: Result<PublishAck, BusError>) {
        let waiters: [CheckedContinuation<Result<PublishAck, BusError>, Never>] = state.withLock { state in
            guard case .pending(let waiters) = state else { return [] }
            state = .done(result)
            return waiters
        }
        for waiter in waiters { waiter.resume(returning: result) }
    }

    package var isComplete: Bool {
        state.withLock { if case .done = $0 { true } else { false } }
    }

    package func value() async throws(BusError) -> PublishAck {
        let result: Result<PublishAck, BusError> = await withCheckedContinuation { continuation in
            let ready: Result<PublishAck, BusError>? = state.withLock { state in
                switch state {
                case .done(let result): return result
                case .pending(var waiters):
                    waiters.append(continuation)
                    state = .pending(waiters)
                    return nil
                }
            }
            if let ready { continuation.resume(returning: ready) }
        }
        return try result.get()
    }
}
