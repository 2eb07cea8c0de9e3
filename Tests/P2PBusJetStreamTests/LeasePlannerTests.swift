import P2PBus
@testable import P2PBusJetStream
import Testing

@Suite("LeasePlanner decides lease moves as values")
struct LeasePlannerTests {
    typealias Lease = LeasePlanner.Lease

    @Test("a lone member takes every partition, creating leases never written")
    func lone() {
        let plan = LeasePlanner.plan(member: "a", live: ["a"], partitions: 2, leases: [1: Lease(owner: "", revision: 7)], held: [:])
        #expect(plan.take.map(\.partition) == [0, 1])
        #expect(plan.take.map(\.expected) == [nil, 7])
        #expect(plan.release.isEmpty && plan.lost.isEmpty)
    }

    @Test("a new live member makes the holder release its share; the newcomer waits for it")
    func handover() {
        let leases = [0: Lease(owner: "a", revision: 1), 1: Lease(owner: "a", revision: 2)]
        let holder = LeasePlanner.plan(member: "a", live: ["a", "b"], partitions: 2, leases: leases, held: [0: 1, 1: 2])
        #expect(holder.release.map(\.partition) == [1] && holder.release.map(\.revision) == [2])
        let newcomer = LeasePlanner.plan(member: "b", live: ["a", "b"], partitions: 2, leases: leases, held: [:])
        #expect(newcomer.take.isEmpty, "a live owner's lease is not taken")
    }

    @Test("a dead owner's lease is taken over by compare-and-set on its revision")
    func takeover() {
        let leases = [0: Lease(owner: "a", revision: 4)]
        let plan = LeasePlanner.plan(member: "b", live: ["b"], partitions: 1, leases: leases, held: [:])
        #expect(plan.take.map(\.partition) == [0] && plan.take.map(\.expected) == [4])
    }

    @Test("a member whose lease was overwritten has lost the partition (fenced)")
    func fenced() {
        let leases = [0: Lease(owner: "b", revision: 9)]
        let plan = LeasePlanner.plan(member: "a", live: ["a", "b"], partitions: 1, leases: leases, held: [0: 4])
        #expect(plan.lost == [0])
        #expect(plan.take.isEmpty)
    }
}
