import Foundation
import P2PBus
import P2PLinkManager
import P2PTestSupport

/// Reads a cluster's whole `p2p.in` with a consumer group of its own (a new durable consumer starts
/// at the first record) and counts the stored records of a run per message id: shows whether the
/// topic itself holds a message twice, apart from what the application's consumer was delivered.
struct InboxAudit: Sendable {
    /// Records of the run stored in `p2p.in`, and how many distinct message ids they carry.
    var records = 0
    var distinct = 0
    /// Records stored more than once: `records - distinct`.
    var storedCopies: Int { records - distinct }

    static let limit = Duration.seconds(30)
    static let quiet = Duration.seconds(2)
    static let maximumRecords = LoadRun.maximumMessages * 2

    /// Polls until `expected` distinct ids of the run were read and nothing more came for `quiet`,
    /// within `limit`; at most `maximumRecords`.
    static func read(_ bus: any MessageBus, topic: String, label: String, expected: Int) async throws -> InboxAudit {
        let group = "audit-\(UInt32.random(in: 0...UInt32.max))"
        let consumer = try await bus.makeConsumer(topic: topic, group: group, options: ConsumerOptions(memberID: group, ackWait: .seconds(60)))
        var audit = InboxAudit()
        var ids = Set<String>()
        let clock = ContinuousClock()
        let deadline = clock.now + limit
        var lastRecord = clock.now
        do {
            while clock.now < deadline, audit.records < maximumRecords {
                let batch = try await consumer.poll(maxRecords: 1024, timeout: .milliseconds(200))
                if batch.isEmpty {
                    if ids.count >= expected, clock.now - lastRecord >= quiet { break }
                    continue
                }
                lastRecord = clock.now
                try await consumer.ack(batch)
                for record in batch {
                    guard case .authenticated(let message) = try AppMessage(decoding: record.value),
                        message.header.messageID.value.hasPrefix("\(label)-"),
                        message.header.messageID.value != LoadRun.warmUpID(label)
                    else { continue }
                    audit.records += 1
                    ids.insert(message.header.messageID.value)
                }
            }
        } catch {
            await consumer.close()
            throw error
        }
        await consumer.close()
        audit.distinct = ids.count
        return audit
    }
}
