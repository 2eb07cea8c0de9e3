/// Where the bus durably stored a record.
public struct PublishAck: Sendable, Hashable {
    public let topic: String
    public let partition: Int
    /// Position of the record; increases within a partition.
    public let offset: UInt64
    /// The record id was seen before: this is the first copy's position, nothing new was stored.
    public let duplicate: Bool

    public init(topic: String, partition: Int, offset: UInt64, duplicate: Bool) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.duplicate = duplicate
    }
}
