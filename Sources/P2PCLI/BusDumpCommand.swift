import ArgumentParser
import P2PBus
import P2PBusJetStream

/// `p2p bus dump <topic>`: prints a topic's stored records, for debugging.
struct BusDumpCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dump",
        abstract: "Print the records stored in a topic (offset order, all partitions).")

    @OptionGroup var connection: BusConnectionOptions

    @Argument(help: "The topic, e.g. p2p.out.")
    var topic: String

    @Option(name: .long, help: "First offset to print.")
    var from: UInt64 = 1

    @Option(name: .long, help: "Records to print, at most \(JetStreamBus.maximumDumpRecords).")
    var limit: Int = 100

    @Option(name: .long, help: "Value bytes shown per record.")
    var preview: Int = 64

    func run() async throws {
        guard (1...JetStreamBus.maximumDumpRecords).contains(limit) else {
            throw ValidationError("--limit must be 1…\(JetStreamBus.maximumDumpRecords)")
        }
        let bus = try await JetStreamBus.connect(urls: connection.urls, configuration: .init(connectAttempts: connection.connectAttempts))
        let state = try await bus.state(of: topic)
        print("topic \(topic): stream \(state.stream), \(state.partitions) partitions, \(state.records) records, "
            + "offsets \(state.firstOffset)…\(state.lastOffset)\(state.leader.map { ", leader \($0)" } ?? "")")
        for record in try await bus.records(of: topic, from: from, limit: limit) {
            let id = record.recordID.map { " id=\($0)" } ?? ""
            print("p\(record.partition) @\(record.offset) key=\(Self.show(record.key, limit: 128))\(id) "
                + "\(record.value.count) bytes: \(Self.show(record.value, limit: preview))")
        }
        await bus.close()
    }

    /// Printable ASCII as text, anything else as `\xNN`; cut at `limit` bytes.
    static func show(_ bytes: [UInt8], limit: Int) -> String {
        var text = ""
        for byte in bytes.prefix(max(limit, 0)) {
            if byte >= 0x20, byte < 0x7F, byte != UInt8(ascii: "\\") {
                text.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                text += "\\x" + (byte < 16 ? "0" : "") + String(byte, radix: 16)
            }
        }
        return bytes.count > limit ? text + "…" : text
    }
}
