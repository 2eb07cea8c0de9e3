public import P2PBus
import P2PIdentity
import P2PLinkManager

/// SENDER: `options.clients` parallel clients, each with its own producer and schedule, writing
/// authenticated messages with simulator payloads to `p2p.out`.
public enum SimulatorSender {
    /// What one client sent.
    public struct Report: Hashable, Sendable {
        public var senderID: String
        /// Messages the bus accepted.
        public var sent: Int
        /// Batches that were sent after their intended time had passed by more than a millisecond.
        public var lateBatches: Int
    }

    /// Runs every client to the end of its schedule; returns one report per client, in client order.
    /// With a `database`, every batch the bus accepted is recorded in `sent_messages` (after the
    /// publish, so a crash in between leaves a message received but not recorded, never the reverse).
    public static func run(
        bus: any MessageBus, options: SenderOptions, database: SimulatorDatabase? = nil, clock: @escaping SimulatorClock = simulatorWallClock
    ) async throws -> [Report] {
        try options.validate()
        try await database?.createSchema()
        let start = clock()
        return try await withThrowingTaskGroup(of: (Int, Report).self) { group in
            for client in 1...options.clients {
                group.addTask {
                    (client, try await runClient(bus: bus, options: options, database: database, client: client, start: start, clock: clock))
                }
            }
            var reports: [Int: Report] = [:]
            for try await (client, report) in group { reports[client] = report }
            return reports.keys.sorted().map { reports[$0]! }
        }
    }

    static func runClient(
        bus: any MessageBus, options: SenderOptions, database: SimulatorDatabase?, client: Int, start: UInt64, clock: SimulatorClock
    ) async throws -> Report {
        let senderID = options.senderID(client: client)
        var schedule = try options.schedule(start: start)
        var generator = SystemRandomNumberGenerator()
        let filler = (0..<options.payloadSize).map { _ in UInt8.random(in: 0 ... .max, using: &generator) }
        let producer = try await bus.makeProducer(options: ProducerOptions(maxInFlight: max(options.batchSize, 64)))
        var report = Report(senderID: senderID, sent: 0, lateBatches: 0)
        do {
            loop: while true {
                let now = clock()
                switch schedule.next(now: now) {
                case .finished:
                    break loop
                case .wait(let until):
                    try await Task.sleep(for: .microseconds(Int64(clamping: until - now)))
                case .send(let first, let count, let intended):
                    if now > intended + 1000 { report.lateBatches += 1 }
                    var receipts: [PublishReceipt] = []
                    receipts.reserveCapacity(count)
                    for n in first..<first + count {
                        let record = try makeRecord(options: options, senderID: senderID, number: n + 1, intended: intended, filler: filler)
                        receipts.append(try await producer.send(record))
                    }
                    for receipt in receipts { _ = try await receipt.accepted() }
                    if let database {
                        _ = try await database.recordSent(
                            senderID: senderID, messageIDs: (first..<first + count).map { messageID(senderID, $0 + 1) }, sendTime: intended)
                    }
                    report.sent += count
                }
            }
        } catch {
            await producer.close()
            throw error
        }
        await producer.close()
        return report
    }

    /// `<sender id>:<number>`, `number` from 1.
    static func messageID(_ senderID: String, _ number: Int) -> String { "\(senderID):\(number)" }

    /// Message `number` (from 1) of `senderID`: key and record id are the message id.
    static func makeRecord(options: SenderOptions, senderID: String, number: Int, intended: UInt64, filler: [UInt8]) throws -> BusRecord {
        let id = messageID(senderID, number)
        let payload = try SimulatorPayload(senderID: senderID, sendTime: intended, filler: filler).encoded()
        let ttl = options.ttl.map { intended / 1000 + $0.wholeMicroseconds / 1000 }
        let message = AppMessage.authenticated(
            AuthenticatedMessage(
                header: AuthenticatedMessageHeader(
                    destination: options.destination, source: options.source, ttl: ttl, messageID: try MessageID(id), traceID: id,
                    subsystem: SenderOptions.subsystem),
                payload: payload))
        return BusRecord(topic: options.topic, key: id, value: try message.encoded(), recordID: id)
    }
}
