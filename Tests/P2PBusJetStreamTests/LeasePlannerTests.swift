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

@Suite("Record frames and ack subjects")
struct RecordFrameTests {
    @Test("ack metadata from the 9-token (2.9) and 12-token ack subjects; junk is refused")
    func ackSubjects() {
        func parse(_ text: String) -> (delivered: Int, sequence: UInt64)? {
            text.withCString { NATSMessage.ackMetadata($0) }
        }
        #expect(parse("$JS.ACK.stream.consumer.2.17.9.1700000000000000000.4")! == (2, 17))
        #expect(parse("$JS.ACK.domain.hash.stream.consumer.3.42.9.1700000000000000000.0.token")! == (3, 42))
        #expect(parse("$JS.ACK.stream.consumer.x.17.9.1.4") == nil)
        #expect(parse("_INBOX.abc") == nil)
    }

    @Test("a frame splits back into key and value; a foreign payload is all value")
    func frames() {
        let key: [UInt8] = Array("session-1".utf8)
        let value: [UInt8] = [0, 1, 2, 3]
        let split = RecordFrame.withFrame(key: key, value: value) { RecordFrame.split($0) }
        #expect(split.key == key && split.value == value)
        let foreign: [UInt8] = Array("plain text".utf8)
        let raw = foreign.withUnsafeBytes { RecordFrame.split($0) }
        #expect(raw.key.isEmpty && raw.value == foreign)
        let truncated: [UInt8] = [1, 0, 9, 65]
        #expect(truncated.withUnsafeBytes { RecordFrame.split($0) }.value == truncated)
    }
}
