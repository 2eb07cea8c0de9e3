import Foundation
import P2PBus
import P2PBusJetStream
import P2PTestSupport
import Testing

@Suite("p2p bus setup and dump against a real nats-server")
struct BusCommandTests {
    @Test("setup creates every stream and bucket, then finds them all on a second run")
    func setupIsIdempotent() async throws {
        let server = try await NATSServer.start()
        defer { server.stop() }
        let first = try await P2PBinary.run(["bus", "setup", "--url", server.url])
        #expect(first.status == 0, "\(first.stderr)")
        let lines = first.stdout.split(separator: "\n")
        #expect(lines.count == BusLayout.standard.topics.count + BusLayout.standard.tables.count)
        #expect(lines.allSatisfy { $0.hasPrefix("created") })
        #expect(first.stdout.contains("created stream p2p_out_markers (topic p2p.out.markers, 8 partitions, 1 replica)"))
        #expect(first.stdout.contains("created bucket p2p_members_info (table p2p.members.info"))
        let second = try await P2PBinary.run(["bus", "setup", "--url", server.url])
        #expect(second.status == 0)
        #expect(second.stdout.split(separator: "\n").allSatisfy { $0.hasPrefix("exists") })
        let bus = try await JetStreamBus.connect(urls: [server.url])
        #expect(try await bus.partitionCount(of: "link.in") == 8)
        _ = try await bus.table("session.out.partitions")
        await bus.close()
    }

    @Test("a setup file overrides partitions; a malformed one is refused naming the field")
    func setupFile() async throws {
        let server = try await NATSServer.start()
        defer { server.stop() }
        let good = server.directory.appendingPathComponent("layout.json")
        try #"{"topics": [{"name": "link.in", "partitions": 16}]}"#.write(to: good, atomically: true, encoding: .utf8)
        let result = try await P2PBinary.run(["bus", "setup", "--url", server.url, "--config", good.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("created stream link_in (topic link.in, 16 partitions"))
        let bad = server.directory.appendingPathComponent("bad.json")
        try #"{"topics": [{"name": "link.in", "partitions": "sixteen"}]}"#.write(to: bad, atomically: true, encoding: .utf8)
        let refused = try await P2PBinary.run(["bus", "setup", "--url", server.url, "--config", bad.path])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("topics[0].partitions"), "\(refused.stderr)")
    }

    @Test("setup against nothing fails with the URL after bounded retries")
    func setupUnreachable() async throws {
        let url = "nats://127.0.0.1:\(try NATSServer.freePort())"
        let result = try await P2PBinary.run(["bus", "setup", "--url", url, "--connect-attempts", "2"])
        #expect(result.status != 0)
        #expect(result.stderr.contains(url) && result.stderr.contains("unreachable"), "\(result.stderr)")
    }

    @Test("dump prints the records of a topic with partition, offset, key and id")
    func dump() async throws {
        let server = try await NATSServer.start()
        defer { server.stop() }
        let bus = try await JetStreamBus.connect(urls: [server.url])
        try await bus.createTopic(TopicSpec(name: "p2p.out", partitions: 2))
        let producer = try await bus.makeProducer(options: ProducerOptions())
        try await producer.publish(BusRecord(topic: "p2p.out", key: "alice", value: Array("hello".utf8), recordID: "m1"))
        try await producer.publish(BusRecord(topic: "p2p.out", key: "bob", value: [0, 1, 2], partition: 1))
        await producer.close()
        await bus.close()
        let result = try await P2PBinary.run(["bus", "dump", "p2p.out", "--url", server.url])
        #expect(result.status == 0, "\(result.stderr)")
        let alice = PartitionHasher.partition(forKey: Array("alice".utf8), partitions: 2)
        #expect(result.stdout.contains("2 records"))
        #expect(result.stdout.contains("p\(alice) @1 key=alice id=m1 5 bytes: hello"), "\(result.stdout)")
        #expect(result.stdout.contains("p1 @2 key=bob 3 bytes: \\x00\\x01\\x02"), "\(result.stdout)")
    }
}
