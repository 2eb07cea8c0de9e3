/// A min-heap of `(deadline, tie-breaker, element)` used by the schedulers (lazy deletion is the
/// caller's business).
struct DeadlineHeap<Element: Sendable>: Sendable {
    private(set) var items: [(deadline: UInt64, order: UInt64, element: Element)] = []

    var count: Int { items.count }
    var isEmpty: Bool { items.isEmpty }
    var min: (deadline: UInt64, order: UInt64, element: Element)? { items.first }

    mutating func removeAll() { items.removeAll(keepingCapacity: true) }

    mutating func push(_ deadline: UInt64, _ order: UInt64, _ element: Element) {
        items.append((deadline, order, element))
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard less(child, parent) else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    @discardableResult
    mutating func popMin() -> (deadline: UInt64, order: UInt64, element: Element)? {
        guard !items.isEmpty else { return nil }
        items.swapAt(0, items.count - 1)
        let top = items.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < items.count, less(left, smallest) { smallest = left }
            if right < items.count, less(right, smallest) { smallest = right }
            if smallest == parent { break }
            items.swapAt(parent, smallest)
            parent = smallest
        }
        return top
    }

    /// Keeps only the items `isLive` accepts, then restores the heap order.
    mutating func rebuild(keeping isLive: (Element, UInt64) -> Bool) {
        let live = items.filter { isLive($0.element, $0.order) }
        items.removeAll(keepingCapacity: true)
        for item in live { push(item.deadline, item.order, item.element) }
    }

    /// Compares two items in place, by deadline then order, without copying their elements.
    private func less(_ i: Int, _ j: Int) -> Bool {
        items[i].deadline != items[j].deadline ? items[i].deadline < items[j].deadline : items[i].order < items[j].order
    }
}
