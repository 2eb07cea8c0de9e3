import P2PBus
import Testing

@Suite("GroupCoordinatorStateMachine rebalances as values")
struct GroupCoordinatorStateMachineTests {
    typealias Machine = GroupCoordinatorStateMachine

    @Test("the first member gets every partition; a second takes half, revoked first")
    func joinSplits() throws {
        var machine = Machine(partitions: 4, sessionTimeout: .seconds(10))
        #expect(try machine.join("a", now: .seconds(0)) == [.assign(member: "a", partitions: [0, 1, 2, 3])])
        #expect(try machine.join("b", now: .seconds(1)) == [
            .revoke(member: "a", partitions: [1, 3]), .assign(member: "b", partitions: [1, 3]),
        ])
        #expect(machine.assignment == ["a": [0, 2], "b": [1, 3]])
        #expect(throws: BusError(.duplicateMember)) { try machine.join("a", now: .seconds(2)) }
    }

    @Test("leaving hands the partitions to the remaining member")
    func leave() throws {
        var machine = Machine(partitions: 3, sessionTimeout: .seconds(10))
        _ = try machine.join("a", now: .zero)
        _ = try machine.join("b", now: .zero)
        #expect(machine.leave("a") == [.revoke(member: "a", partitions: [0, 2]), .assign(member: "b", partitions: [0, 2])])
        #expect(machine.leave("a") == [])
        #expect(machine.assignment == ["b": [0, 1, 2]])
    }

    @Test("a silent member expires exactly at the session timeout; heart-beating keeps it")
    func expiry() throws {
        var machine = Machine(partitions: 2, sessionTimeout: .seconds(10))
        _ = try machine.join("a", now: .zero)
        _ = try machine.join("b", now: .zero)
        #expect(machine.heartbeat("a", now: .seconds(9)) == [])
        #expect(machine.expire(now: .milliseconds(9_999)) == [])
        #expect(machine.heartbeat("a", now: .seconds(10)) == [
            .revoke(member: "b", partitions: [1]), .assign(member: "a", partitions: [1]),
        ])
        #expect(machine.members == ["a"])
        // The expired member polls again: it rejoins and gets its share back.
        #expect(machine.heartbeat("b", now: .seconds(11)) == [
            .revoke(member: "a", partitions: [1]), .assign(member: "b", partitions: [1]),
        ])
    }

    @Test("members beyond the partition count own nothing; the last member alive owns all")
    func moreMembersThanPartitions() throws {
        var machine = Machine(partitions: 1, sessionTimeout: .seconds(5))
        _ = try machine.join("c", now: .zero)
        _ = try machine.join("a", now: .zero)
        #expect(machine.assignment == ["a": [0]])
        _ = machine.heartbeat("c", now: .seconds(6))
        #expect(machine.assignment == ["c": [0]])
    }

    @Test("the assignor is balanced and independent of member order")
    func assignor() {
        let one = PartitionAssignor.assign(partitions: 8, members: ["m3", "m1", "m2"])
        let two = PartitionAssignor.assign(partitions: 8, members: ["m2", "m3", "m1"])
        #expect(one == two)
        #expect(one["m1"] == [0, 3, 6] && one["m2"] == [1, 4, 7] && one["m3"] == [2, 5])
        #expect(PartitionAssignor.assign(partitions: 3, members: [String]()).isEmpty)
    }
}

@Suite("Partitioning, de-duplication and the in-flight window")
struct BusPrimitivesTests {
    @Test("FNV-1a 32 matches the published test vectors")
    func fnvVectors() {
        #expect(PartitionHasher.fnv1a32([UInt8]()) == 0x811C_9DC5)
        #expect(PartitionHasher.fnv1a32(Array("a".utf8)) == 0xE40C_292C)
        #expect(PartitionHasher.fnv1a32(Array("foobar".utf8)) == 0xBF9C_F968)
        #expect(PartitionHasher.partition(forKey: Array("foobar".utf8), partitions: 7) == Int(0xBF9C_F968 % 7))
    }

    @Test("record validation: key length, partition range, record id")
    func recordValidation() throws {
        let long = BusRecord(topic: "t", key: [UInt8](repeating: 1, count: 1025), value: [])
        #expect(throws: BusError(.keyTooLong)) { try long.resolvedPartition(partitions: 2) }
        #expect(throws: BusError(.partitionOutOfRange)) {
            try BusRecord(topic: "t", key: "k", value: [], partition: -1).resolvedPartition(partitions: 2)
        }
        #expect(throws: BusError(.invalidOption)) {
            try BusRecord(topic: "t", key: "k", value: [], recordID: "has space").resolvedPartition(partitions: 2)
        }
        #expect(try BusRecord(topic: "t", key: "k", value: [], partition: 1).resolvedPartition(partitions: 2) == 1)
    }

    @Test("names map to NATS stream and bucket names")
    func engineNames() throws {
        #expect(TopicSpec.engineName(for: "p2p.out.markers") == "p2p_out_markers")
        #expect(TopicSpec.engineName(for: "p2p.app.received_msg") == "p2p_app_received_msg")
        #expect(throws: BusError(.invalidTopicName)) { try TopicSpec.validateName("a..b") }
        #expect(throws: BusError(.invalidTableKey)) { try TableSpec.validateKey(".x") }
        try TableSpec.validateKey("O=Alice, L=London".replacingOccurrences(of: ", ", with: "/"))
    }
}

extension String {
    fileprivate func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
