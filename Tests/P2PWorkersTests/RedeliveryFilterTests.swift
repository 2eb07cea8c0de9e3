import P2PBus
import P2PCluster
import Testing

/// `ClusterApplication.RedeliveryFilter` as a value: which copies of a `p2p.in` record it drops and
/// how it forgets.
@Suite("Redelivery filter")
struct RedeliveryFilterTests {
    typealias Filter = ClusterApplication.RedeliveryFilter

    @Test("a record delivered again at the same position is a redelivery; the same id elsewhere is a stored copy")
    func verdicts() throws {
        var filter = try Filter(capacity: 4)
        #expect(filter.admit(recordID: "m-1", partition: 3, offset: 10) == .first)
        #expect(filter.admit(recordID: "m-2", partition: 3, offset: 11) == .first)
        #expect(filter.admit(recordID: "m-1", partition: 3, offset: 10) == .redelivered)
        #expect(filter.admit(recordID: "m-1", partition: 3, offset: 12) == .storedAgain)
        #expect(filter.admit(recordID: "m-1", partition: 5, offset: 10) == .storedAgain)
        #expect(filter.count == 2)
    }

    @Test("records without a record id are always admitted and not remembered")
    func withoutID() throws {
        var filter = try Filter(capacity: 2)
        #expect(filter.admit(recordID: nil, partition: 0, offset: 1) == .first)
        #expect(filter.admit(recordID: nil, partition: 0, offset: 1) == .first)
        #expect(filter.count == 0)
    }

    @Test("bounded: the oldest id is forgotten first, so its copy is admitted once more")
    func bounded() throws {
        var filter = try Filter(capacity: 3)
        for index in 0..<5 { #expect(filter.admit(recordID: "m-\(index)", partition: 0, offset: UInt64(index)) == .first) }
        #expect(filter.count == 3)
        #expect(filter.admit(recordID: "m-1", partition: 0, offset: 1) == .first)
        #expect(filter.admit(recordID: "m-4", partition: 0, offset: 4) == .redelivered)
        #expect(filter.admit(recordID: "m-3", partition: 0, offset: 3) == .redelivered)
        #expect(filter.count == 3)
    }

    @Test("the capacity is checked", arguments: [0, -1, Filter.maximumCapacity + 1])
    func capacity(_ capacity: Int) {
        #expect(throws: BusError(.invalidOption)) { try Filter(capacity: capacity) }
    }
}
