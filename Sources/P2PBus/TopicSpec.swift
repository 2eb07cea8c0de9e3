/// How a topic is laid out: its partitions, replicas and limits. Fixed once created.
public struct TopicSpec: Sendable, Hashable, Codable {
    public static let maximumPartitions = 1024
    public static let maximumNameLength = 200
    /// The largest record value any topic accepts (the nats-server default `max_payload` is 1 MiB).
    public static let maximumRecordBytesLimit = 8 * 1024 * 1024
    public static let defaultMaxRecordBytes = 1024 * 1024

    public var name: String
    public var partitions: Int
    /// Copies kept by the server (JetStream stream replicas); the in-process bus keeps one.
    public var replicas: Int
    /// Records with a larger value are rejected with `BusError.Code.recordTooLarge`.
    public var maxRecordBytes: Int
    /// Records of a partition kept (oldest dropped beyond it).
    public var maxRecordsPerPartition: Int
    /// How long a record id is remembered for idempotent publish.
    public var deduplicationWindow: Duration

    public init(
        name: String, partitions: Int, replicas: Int = 1, maxRecordBytes: Int = TopicSpec.defaultMaxRecordBytes,
        maxRecordsPerPartition: Int = 1_000_000, deduplicationWindow: Duration = .seconds(120)
    ) {
        self.name = name
        self.partitions = partitions
        self.replicas = replicas
        self.maxRecordBytes = maxRecordBytes
        self.maxRecordsPerPartition = maxRecordsPerPartition
        self.deduplicationWindow = deduplicationWindow
    }

    /// Checks every field against its bound.
    public func validate() throws(BusError) {
        try Self.validateName(name)
        guard partitions >= 1, partitions <= Self.maximumPartitions else {
            throw BusError(.invalidPartitionCount, "\(name): \(partitions) not in 1…\(Self.maximumPartitions)")
        }
        guard replicas >= 1, replicas <= 5 else { throw BusError(.invalidOption, "\(name): replicas \(replicas) not in 1…5") }
        guard maxRecordBytes >= 1, maxRecordBytes <= Self.maximumRecordBytesLimit else {
            throw BusError(.invalidOption, "\(name): maxRecordBytes \(maxRecordBytes) not in 1…\(Self.maximumRecordBytesLimit)")
        }
        guard maxRecordsPerPartition >= 1 else { throw BusError(.invalidOption, "\(name): maxRecordsPerPartition < 1") }
        guard deduplicationWindow > .zero else { throw BusError(.invalidOption, "\(name): deduplicationWindow ≤ 0") }
    }

    /// Topic names: dot-separated tokens of `A–Z a–z 0–9 - _`, at most `maximumNameLength` bytes.
    public static func validateName(_ name: String) throws(BusError) {
        let bytes = Array(name.utf8)
        guard !bytes.isEmpty, bytes.count <= maximumNameLength else {
            throw BusError(.invalidTopicName, "name must be 1…\(maximumNameLength) bytes")
        }
        guard bytes.first != UInt8(ascii: "."), bytes.last != UInt8(ascii: "."),
            !name.contains(".."), bytes.allSatisfy({ isNameByte($0) || $0 == UInt8(ascii: ".") })
        else { throw BusError(.invalidTopicName, "'\(name)': use dot-separated tokens of A-Z a-z 0-9 - _") }
    }

    static func isNameByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"):
            true
        default: false
        }
    }

    /// A NATS stream or bucket name for a dotted bus name: every byte outside `A–Z a–z 0–9 - _` → `_`.
    public static func engineName(for name: String) -> String {
        String(decoding: name.utf8.map { isNameByte($0) ? $0 : UInt8(ascii: "_") }, as: UTF8.self)
    }
}

/// How a compacted table is laid out.
public struct TableSpec: Sendable, Hashable, Codable {
    public static let maximumKeyLength = 256
    public static let maximumValueBytesLimit = 1024 * 1024

    public var name: String
    public var replicas: Int
    /// Revisions kept per key (1…64; JetStream KV history).
    public var history: Int
    public var maxValueBytes: Int

    public init(name: String, replicas: Int = 1, history: Int = 1, maxValueBytes: Int = 256 * 1024) {
        self.name = name
        self.replicas = replicas
        self.history = history
        self.maxValueBytes = maxValueBytes
    }

    public func validate() throws(BusError) {
        try TopicSpec.validateName(name)
        guard replicas >= 1, replicas <= 5 else { throw BusError(.invalidOption, "\(name): replicas \(replicas) not in 1…5") }
        guard history >= 1, history <= 64 else { throw BusError(.invalidOption, "\(name): history \(history) not in 1…64") }
        guard maxValueBytes >= 1, maxValueBytes <= Self.maximumValueBytesLimit else {
            throw BusError(.invalidOption, "\(name): maxValueBytes \(maxValueBytes) not in 1…\(Self.maximumValueBytesLimit)")
        }
    }

    /// Table keys: 1…256 characters of `A–Z a–z 0–9 - _ = . /`, not starting or ending with `.`.
    public static func validateKey(_ key: String) throws(BusError) {
        let bytes = Array(key.utf8)
        guard !bytes.isEmpty, bytes.count <= maximumKeyLength, bytes.first != UInt8(ascii: "."),
            bytes.last != UInt8(ascii: "."),
            bytes.allSatisfy({
                TopicSpec.isNameByte($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "=") || $0 == UInt8(ascii: "/")
            })
        else { throw BusError(.invalidTableKey, "key must be 1…\(maximumKeyLength) characters of A-Z a-z 0-9 - _ = . /") }
    }
}
