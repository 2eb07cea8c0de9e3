#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Every topic and table the project needs (ARCHITECTURE.md, "Topics"), with partitions and replicas.
///
/// `p2p bus setup` creates them; a JSON setup file overrides any field (see `docs/bus.md`).
public struct BusLayout: Sendable, Hashable {
    public var topics: [TopicSpec]
    public var tables: [TableSpec]

    public init(topics: [TopicSpec], tables: [TableSpec]) {
        self.topics = topics
        self.tables = tables
    }

    /// The built-in layout, one replica.
    public static let standard = BusLayout(
        topics: [
            TopicSpec(name: "p2p.out", partitions: 8),
            TopicSpec(name: "p2p.in", partitions: 8),
            TopicSpec(name: "link.out", partitions: 8),
            TopicSpec(name: "link.in", partitions: 8),
            TopicSpec(name: "p2p.out.markers", partitions: 8),
            TopicSpec(name: "p2p.app.received_msg", partitions: 4),
            TopicSpec(name: "p2p.delivery.status", partitions: 8),
        ],
        tables: [
            "session.out.partitions", "p2p.group.policies", "p2p.members.info", "p2p.hosted.identities",
            "p2p.crypto.keys", "gateway.tls.truststores", "gateway.tls.certs", "config",
        ].map { TableSpec(name: $0) } + [markerState])

    /// The link managers' marker state: a value is a whole message (up to 1 MB by default) in a sent marker.
    public static let markerState = TableSpec(name: "p2p.out.markers.state", maxValueBytes: TableSpec.maximumValueBytesLimit)

    /// Setup files larger than this are refused before they are parsed.
    public static let maximumSetupFileBytes = 1024 * 1024

    /// `self` with the overrides of a JSON setup file applied. Errors name the offending field.
    public func applying(setupFile data: [UInt8]) throws(BusError) -> BusLayout {
        guard data.count <= Self.maximumSetupFileBytes else {
            throw BusError(.malformedSetupFile, "file is \(data.count) bytes, more than \(Self.maximumSetupFileBytes)")
        }
        let file: SetupFile
        do {
            file = try JSONDecoder().decode(SetupFile.self, from: Data(data))
        } catch let error as DecodingError {
            throw BusError(.malformedSetupFile, Self.describe(error))
        } catch {
            throw BusError(.malformedSetupFile, "not JSON")
        }
        var layout = self
        if let replicas = file.replicas {
            guard (1...5).contains(replicas) else { throw BusError(.malformedSetupFile, "replicas: \(replicas) not in 1…5") }
            for index in layout.topics.indices { layout.topics[index].replicas = replicas }
            for index in layout.tables.indices { layout.tables[index].replicas = replicas }
        }
        for (index, entry) in (file.topics ?? []).enumerated() {
            let field = "topics[\(index)]"
            var spec = layout.topics.first { $0.name == entry.name }
                ?? TopicSpec(name: entry.name, partitions: 1, replicas: file.replicas ?? 1)
            if let value = entry.partitions { spec.partitions = value }
            if let value = entry.replicas { spec.replicas = value }
            if let value = entry.maxRecordBytes { spec.maxRecordBytes = value }
            if let value = entry.maxRecordsPerPartition { spec.maxRecordsPerPartition = value }
            if let value = entry.deduplicationWindowSeconds { spec.deduplicationWindow = .seconds(value) }
            do { try spec.validate() } catch { throw BusError(.malformedSetupFile, "\(field): \(error.detail)") }
            if let at = layout.topics.firstIndex(where: { $0.name == entry.name }) {
                layout.topics[at] = spec
            } else {
                layout.topics.append(spec)
            }
        }
        for (index, entry) in (file.tables ?? []).enumerated() {
            let field = "tables[\(index)]"
            var spec = layout.tables.first { $0.name == entry.name } ?? TableSpec(name: entry.name, replicas: file.replicas ?? 1)
            if let value = entry.replicas { spec.replicas = value }
            if let value = entry.history { spec.history = value }
            if let value = entry.maxValueBytes { spec.maxValueBytes = value }
            do { try spec.validate() } catch { throw BusError(.malformedSetupFile, "\(field): \(error.detail)") }
            if let at = layout.tables.firstIndex(where: { $0.name == entry.name }) {
                layout.tables[at] = spec
            } else {
                layout.tables.append(spec)
            }
        }
        return layout
    }

    private struct SetupFile: Decodable {
        struct Topic: Decodable {
            var name: String
            var partitions: Int?
            var replicas: Int?
            var maxRecordBytes: Int?
            var maxRecordsPerPartition: Int?
            var deduplicationWindowSeconds: Int?
        }
        struct Table: Decodable {
            var name: String
            var replicas: Int?
            var history: Int?
            var maxValueBytes: Int?
        }
        var replicas: Int?
        var topics: [Topic]?
        var tables: [Table]?
    }

    private static func path(_ codingPath: [any CodingKey]) -> String {
        var text = ""
        for key in codingPath {
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                text += text.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
        return text.isEmpty ? "(top level)" : text
    }

    private static func describe(_ error: DecodingError) -> String {
        switch error {
        case .typeMismatch(let type, let context):
            return "\(path(context.codingPath)): expected \(type)"
        case .valueNotFound(let type, let context):
            return "\(path(context.codingPath)): missing \(type)"
        case .keyNotFound(let key, let context):
            return "\(path(context.codingPath + [key])): required field missing"
        case .dataCorrupted(let context):
            return "\(path(context.codingPath)): not valid JSON"
        @unknown default:
            return "malformed"
        }
    }
}
