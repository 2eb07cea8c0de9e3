import Foundation
import P2PBus
import P2PBusJetStream
import P2PTestSupport
import Synchronization
import Testing

@Suite("JetStream failures: killed consumer process, killed stream leader")
struct JetStreamFailureTests {
    /// Lines a child process printed, collected from its stdout pipe.
    final class Lines: Sendable {
        let text = Mutex("")
        func append(_ data: Data) { text.withLock { $0 += String(decoding: data, as: UTF8.self) } }
        var all: [Substring] { text.withLock { $0.split(separator: "\n") } }
    }

    @Test("a consumer process SIGKILLed mid-batch: its unacknowledged records reach another member")
    func killedConsumerProcess() async throws {
        let server = try await NATSServer.start()
        defer { server.stop() }
        let bus = try await JetStreamBus.connect(urls: [server.url])
        try await bus.createTopic(TopicSpec(name: "work", partitions: 1))
        let producer = try await bus.makeProducer(options: ProducerOptions(maxInFlight: 32))
        for index in 0..<20 { _ = try await producer.send(BusRecord(topic: "work", key: "k", value: [UInt8(index)])) }
        try await producer.flush()

        let worker = Process()
        worker.executableURL = P2PBinary.url
        worker.arguments = [
            "bus", "consume-worker", "--url", server.url, "--topic", "work", "--group", "workers", "--member", "a",
            "--ack", "8", "--hold", "12",
        ]
        let pipe = Pipe()
        let lines = Lines()
        pipe.fileHandleForReading.readabilityHandler = { lines.append($0.availableData) }
        worker.standardOutput = pipe
        try worker.run()
        defer { if worker.isRunning { kill(worker.processIdentifier, SIGKILL) } }
        for _ in 0..<500 where !lines.all.contains(where: { $0 == "holding" || $0 == "incomplete" }) {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(lines.all.contains("holding"), "worker output: \(lines.all)")
        kill(worker.processIdentifier, SIGKILL)
        worker.waitUntilExit()
        pipe.fileHandleForReading.readabilityHandler = nil
        let held = Set(lines.all.filter { $0.hasPrefix("held ") }.compactMap { UInt64($0.dropFirst(5)) })
        let acked = Set(lines.all.filter { $0.hasPrefix("acked ") }.compactMap { UInt64($0.dropFirst(6)) })
        #expect(held.count == 12 && acked.count == 8)

        let survivor = try await bus.makeConsumer(
            topic: "work", group: "workers",
            options: ConsumerOptions(memberID: "b", sessionTimeout: .milliseconds(1500), heartbeatInterval: .milliseconds(200), ackWait: .seconds(1)))
        var received: [ConsumedRecord] = []
        for _ in 0..<100 where received.count < held.count {
            let records = try await survivor.poll(maxRecords: 50, timeout: .milliseconds(200))
            try await survivor.ack(records)
            received += records
        }
        #expect(Set(received.map(\.offset)) == held, "the survivor got \(received.map(\.offset)), the dead worker held \(held.sorted())")
        #expect(received.allSatisfy { $0.deliveryCount >= 2 })
        #expect(Set(received.map(\.offset)).isDisjoint(with: acked))
        await survivor.close()
        await bus.close()
    }

    @Test("3-node R3 cluster: the stream leader SIGKILLed while publishing; nothing lost or duplicated")
    func killedStreamLeader() async throws {
        let cluster = try await NATSCluster.start()
        defer { cluster.stop() }
        let bus = try await JetStreamBus.connect(
            urls: cluster.urls,
            configuration: .init(publishTimeout: .seconds(2), maxPublishAttempts: 30, publishRetryBackoff: .milliseconds(250)))
        let topic = TopicSpec(name: "replicated", partitions: 2, replicas: 3)
        var created = false
        for _ in 0..<75 where !created {  // the meta leader is elected about 0.6 s after start
            do {
                try await bus.createTopic(topic)
                created = true
            } catch {
                try await Task.sleep(for: .milliseconds(200))
            }
        }
        #expect(created)
        let total = 600
        let producer = try await bus.makeProducer(options: ProducerOptions(maxInFlight: 64))
        var receipts: [PublishReceipt] = []
        var killed: String?
        for index in 0..<total {
            receipts.append(try await producer.send(BusRecord(topic: "replicated", key: "k\(index)", value: [UInt8(index % 256)], recordID: "r\(index)")))
            if index == 200 {
                _ = try await receipts[index].accepted()
                let leader = try await bus.state(of: "replicated").leader
                let node = try #require(leader.flatMap { Int($0.dropFirst()) }.map { cluster.nodes[$0 - 1] })
                node.kill()
                killed = leader
            }
        }
        var failures: [String] = []
        var duplicates = 0
        for receipt in receipts {
            do {
                if try await receipt.accepted().duplicate { duplicates += 1 }
            } catch {
                failures.append("\(error)")
            }
        }
        #expect(killed != nil)
        #expect(failures.isEmpty, "\(failures.count) publishes failed, first: \(failures.first ?? "")")
        let state = try await bus.state(of: "replicated")
        #expect(state.records == UInt64(total), "stored \(state.records), duplicates answered \(duplicates)")
        #expect(state.leader != killed)
        let stored = try await bus.records(of: "replicated", limit: total + 10)
        let missing = Set((0..<total).map { "r\($0)" }).subtracting(stored.compactMap(\.recordID))
        #expect(missing.isEmpty, "\(missing.count) records lost, e.g. \(missing.sorted().prefix(5))")
        #expect(stored.count == total)
        await producer.close()
        await bus.close()
    }
}

@Suite("JetStream reconnect")
struct JetStreamReconnectTests {
    @Test("the server is SIGKILLed and restarted on the same port and store: producer and consumer carry on")
    func serverRestart() async throws {
        let server = try await NATSServer.start()
        defer { server.stop() }
        let bus = try await JetStreamBus.connect(urls: [server.url], configuration: .init(publishTimeout: .seconds(1)))
        try await bus.createTopic(TopicSpec(name: "restart", partitions: 1))
        let producer = try await bus.makeProducer(options: ProducerOptions(maxInFlight: 16))
        let consumer = try await bus.makeConsumer(
            topic: "restart", group: "g",
            options: ConsumerOptions(memberID: "m", sessionTimeout: .seconds(5), heartbeatInterval: .milliseconds(250), ackWait: .seconds(2)))
        for index in 0..<5 { try await producer.publish(BusRecord(topic: "restart", key: "k", value: [UInt8(index)], recordID: "a\(index)")) }
        server.kill()
        try await server.launch()
        for index in 5..<10 { try await producer.publish(BusRecord(topic: "restart", key: "k", value: [UInt8(index)], recordID: "a\(index)")) }
        var values: Set<UInt8> = []
        for _ in 0..<60 where values.count < 10 {
            let records = (try? await consumer.poll(maxRecords: 20, timeout: .milliseconds(250))) ?? []
            try? await consumer.ack(records)
            values.formUnion(records.map { $0.value[0] })
        }
        #expect(values == Set(0..<10), "received \(values.sorted())")
        await consumer.close()
        await producer.close()
        await bus.close()
    }
}
