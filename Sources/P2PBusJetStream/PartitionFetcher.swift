import CNATS
import Foundation
import P2PBus
import Synchronization

/// Wakes a poll that waits for records: a fetcher that buffered records notifies it, or its time runs
/// out. A notification that comes while nobody waits is kept for the next wait.
final class FetchSignal: Sendable {
    private struct State {
        var pending = false
        var waiter: CheckedContinuation<Void, Never>?
    }
    private let state = Mutex(State())

    /// Records arrived.
    func notify() { wake(keep: true) }

    /// Returns once notified (or already notified since the last wait), or after `timeout`.
    func wait(timeout: Duration) async {
        let timer = Task {
            try? await Task.sleep(for: timeout)
            if !Task.isCancelled { self.wake(keep: false) }
        }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let ready = state.withLock { state in
                if state.pending {
                    state.pending = false
                    return true
                }
                state.waiter = continuation
                return false
            }
            if ready { continuation.resume() }
        }
        timer.cancel()
    }

    private func wake(keep: Bool) {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            if keep { state.pending = true }
            return nil
        }
        waiter?.resume()
    }
}

/// One owned partition's pull requests, on a thread of its own (nats.c's fetch blocks). While a poll
/// wants records and the last batch was taken, it keeps one request outstanding: `no_wait` with an
/// expiry, which nats-server answers as soon as the partition holds a record (or empty after the
/// expiry). So a poll wakes as soon as any of its partitions has records, whatever their number, and
/// the blocking waits never occupy the shared dispatch pool. At most one batch
/// (`JetStreamConsumerCore.maximumBatch` records) is buffered; it is dropped, unacknowledged, when
/// the partition is revoked (the server delivers it again after the ack wait). One thread per owned
/// partition: at most the topic's partition count (`TopicSpec`'s bound) per consumer.
final class PartitionFetcher: @unchecked Sendable {
    let subscription: PullSubscription
    /// Kept until the thread ends: the subscription's connection outlives every request on it.
    private let connection: NATSConnection
    private let topic: String
    private let wait: Duration
    private let signal: FetchSignal
    // Guarded by `condition`.
    private let condition = NSCondition()
    private var buffer: [ConsumedRecord] = []
    private var wanted = false
    private var stopped = false

    var partition: Int { subscription.partition }

    init(subscription: PullSubscription, connection: NATSConnection, topic: String, wait: Duration, signal: FetchSignal) {
        self.subscription = subscription
        self.connection = connection
        self.topic = topic
        self.wait = wait
        self.signal = signal
        let thread = Thread { [self] in run() }
        thread.name = "p2p.bus.fetch.\(topic).\(subscription.partition)"
        thread.start()
    }

    /// Whether a poll is waiting for records: requests are made only then.
    func want(_ wanted: Bool) {
        condition.withLock {
            self.wanted = wanted
            if wanted { condition.signal() }
        }
    }

    /// Up to `maximum` buffered records, oldest first.
    func take(_ maximum: Int) -> [ConsumedRecord] {
        condition.withLock {
            let taken = Array(buffer.prefix(maximum))
            buffer.removeFirst(taken.count)
            if buffer.isEmpty { condition.signal() }
            return taken
        }
    }

    /// Ends the thread after its outstanding request (at most one `wait`); the buffer is dropped.
    func stop() {
        condition.withLock {
            stopped = true
            buffer = []
            condition.signal()
        }
    }

    private func run() {
        while true {
            let proceed = condition.withLock {
                while !stopped, !(wanted && buffer.isEmpty) { condition.wait() }
                return !stopped
            }
            guard proceed else { return }
            let records = Self.fetch(subscription, count: JetStreamConsumerCore.maximumBatch, topic: topic, wait: wait)
            let kept = condition.withLock {
                guard !stopped else { return false }
                buffer += records
                return !records.isEmpty
            }
            if kept { signal.notify() }
        }
    }

    /// One pull request: returns as soon as the partition holds records, `count` at most, or empty
    /// after `wait`.
    static func fetch(_ subscription: PullSubscription, count: Int, topic: String, wait: Duration) -> [ConsumedRecord] {
        var request = jsFetchRequest()
        jsFetchRequest_Init(&request)
        request.Batch = Int32(count)
        request.NoWait = true
        request.Expires = wait.nanoseconds
        var list = natsMsgList()
        let status = natsSubscription_FetchRequest(&list, subscription.subscription, &request)
        defer { natsMsgList_Destroy(&list) }
        guard status == NATS_OK, list.Count > 0 else { return [] }
        var records: [ConsumedRecord] = []
        records.reserveCapacity(Int(list.Count))
        for index in 0..<Int(list.Count) {
            guard let message = list.Msgs[index] else { continue }
            if let record = JetStreamConsumerCore.record(message, topic: topic, partition: subscription.partition) {
                records.append(record)
            }
        }
        return records
    }
}
