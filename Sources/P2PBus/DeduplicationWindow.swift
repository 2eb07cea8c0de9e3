/// Record ids seen recently, for idempotent publish: bounded in count and in time.
package struct DeduplicationWindow<Value: Sendable>: Sendable {
    package let capacity: Int
    package let window: Duration
    private var values: [String: Value] = [:]
    private var order: [(id: String, at: Duration)] = []
    private var head = 0

    package init(capacity: Int, window: Duration) {
        precondition(capacity > 0)
        self.capacity = capacity
        self.window = window
    }

    package var count: Int { values.count }

    /// The value stored for `id`, if it was inserted within the window.
    package mutating func lookup(_ id: String, now: Duration) -> Value? {
        expire(now: now)
        return values[id]
    }

    /// Remembers `id`; the oldest id is forgotten when the window is full.
    package mutating func insert(_ id: String, _ value: Value, now: Duration) {
        expire(now: now)
        if values.count >= capacity { evictOldest() }
        values[id] = value
        order.append((id, now))
    }

    private mutating func expire(now: Duration) {
        while head < order.count, now - order[head].at >= window { evictOldest() }
    }

    private mutating func evictOldest() {
        guard head < order.count else { return }
        values.removeValue(forKey: order[head].id)
        head += 1
        if head > 1024, head * 2 > order.count {
            order.removeFirst(head)
            head = 0
        }
    }
}
