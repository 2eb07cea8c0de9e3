public import P2PBus
import P2PIdentity
import P2PLinkManager

/// RECEIVER: consumes `p2p.in` in the group `app-simulator-receiver` and publishes a
/// ``ReceivedEvent`` per simulator message to `p2p.app.received_msg`.
public enum SimulatorReceiver {
    public static let defaultGroup = "app-simulator-receiver"

    public struct Options: Sendable {
        public var memberID: String
        public var group = SimulatorReceiver.defaultGroup
        public var inboundTopic = "p2p.in"
        public var eventTopic = SimulatorTopics.receivedMessages
        public var batchSize: Int

        public init(memberID: String, batchSize: Int = 100) {
            self.memberID = memberID
            self.batchSize = batchSize
        }
    }

    public struct Report: Hashable, Sendable {
        /// Records consumed from `p2p.in`.
        public var records = 0
        /// Events published (accepted by the bus).
        public var events = 0
        /// Records skipped because they were not simulator messages.
        public var malformed = 0

        public init(records: Int = 0, events: Int = 0, malformed: Int = 0) {
            self.records = records
            self.events = events
            self.malformed = malformed
        }
    }

    /// The event for one `p2p.in` record value received at `receiveTime` (µs since the epoch).
    /// Throws ``SimulatorError/Code/malformedPayload`` for anything but an authenticated message with a
    /// simulator payload.
    public static func event(fromRecordValue value: [UInt8], receiveTime: UInt64) throws(SimulatorError) -> ReceivedEvent {
        let message: AppMessage
        do {
            message = try AppMessage(decoding: value)
        } catch {
            throw SimulatorError(.malformedPayload, "not an app message: \(error.code)")
        }
        guard case .authenticated(let authenticated) = message else {
            throw SimulatorError(.malformedPayload, "\(message.messageID): unauthenticated message")
        }
        let payload = try SimulatorPayload(decoding: authenticated.payload)
        return ReceivedEvent(
            senderID: payload.senderID, messageID: authenticated.header.messageID.value, sendTime: payload.sendTime,
            receiveTime: receiveTime)
    }

    public static func run(
        bus: any MessageBus, options: Options, limit: RunLimit, clock: @escaping SimulatorClock = simulatorWallClock,
        log: @Sendable (String) -> Void = { print($0) }
    ) async throws -> Report {
        guard (1...SendSchedule.maximumBatchSize).contains(options.batchSize) else {
            throw SimulatorError(.invalidOption, "batch size \(options.batchSize) not in 1…\(SendSchedule.maximumBatchSize)")
        }
        let consumer = try await bus.makeConsumer(
            topic: options.inboundTopic, group: options.group, options: ConsumerOptions(memberID: options.memberID))
        let producer: any BusProducer
        do {
            producer = try await bus.makeProducer(options: ProducerOptions(maxInFlight: options.batchSize))
        } catch {
            await consumer.close()
            throw error
        }
        var report = Report()
        do {
            let records = try await pollLoop(consumer, batchSize: options.batchSize, limit: limit) { batch in
                let now = clock()
                var receipts: [PublishReceipt] = []
                for record in batch {
                    let event: ReceivedEvent
                    do {
                        event = try Self.event(fromRecordValue: record.value, receiveTime: now)
                    } catch {
                        report.malformed += 1
                        log("skipped \(record.topic) p\(record.partition) @\(record.offset): \(error)")
                        continue
                    }
                    receipts.append(
                        try await producer.send(
                            BusRecord(topic: options.eventTopic, key: event.messageID, value: try event.encoded(), recordID: event.recordID)))
                }
                for receipt in receipts { _ = try await receipt.accepted() }
                report.events += receipts.count
            }
            report.records = records
        } catch {
            await producer.close()
            await consumer.close()
            throw error
        }
        await producer.close()
        await consumer.close()
        return report
    }
}

/// The simulator's topic names.
public enum SimulatorTopics {
    /// Receive events for the DB sink (Corda's `TestSchema.APP_RECEIVED_MESSAGES_TOPIC`).
    public static let receivedMessages = "p2p.app.received_msg"
}
