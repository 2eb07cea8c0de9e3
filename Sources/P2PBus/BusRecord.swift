/// A record to publish: a key, a value, and optionally an explicit partition and a record id.
public struct BusRecord: Sendable, Hashable {
    /// Keys longer than this are rejected before anything is sent.
    public static let maximumKeyLength = 1024
    /// Record ids longer than this are rejected (they travel as a NATS header value).
    public static let maximumRecordIDLength = 256

    public var topic: String
    public var key: [UInt8]
    public var value: [UInt8]
    /// Where to put the record; `nil` → `PartitionHasher.partition(forKey:partitions:)`.
    public var partition: Int?
    /// Publishing the same id twice within the topic's de-duplication window stores it once.
    public var recordID: String?

    public init(topic: String, key: [UInt8], value: [UInt8], partition: Int? = nil, recordID: String? = nil) {
        self.topic = topic
        self.key = key
        self.value = value
        self.partition = partition
        self.recordID = recordID
    }

    public init(topic: String, key: String, value: [UInt8], partition: Int? = nil, recordID: String? = nil) {
        self.init(topic: topic, key: Array(key.utf8), value: value, partition: partition, recordID: recordID)
    }

    /// The partition this record goes to in a topic of `partitions` partitions, after validation.
    public func resolvedPartition(partitions: Int) throws(BusError) -> Int {
        if key.count > Self.maximumKeyLength {
            throw BusError(.keyTooLong, "\(key.count) bytes > \(Self.maximumKeyLength)")
        }
        if let recordID, recordID.utf8.count > Self.maximumRecordIDLength || !Self.isValidRecordID(recordID) {
            throw BusError(.invalidOption, "record id must be 1…\(Self.maximumRecordIDLength) printable ASCII characters")
        }
        if let partition {
            guard partition >= 0, partition < partitions else {
                throw BusError(.partitionOutOfRange, "partition \(partition) of \(partitions) in \(topic)")
            }
            return partition
        }
        return PartitionHasher.partition(forKey: key, partitions: partitions)
    }

    static func isValidRecordID(_ id: String) -> Bool {
        !id.isEmpty && id.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F }
    }
}
