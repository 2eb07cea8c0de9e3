/// A record delivered to a consumer-group member; acknowledge it with `BusConsumer.ack(_:)`.
public struct ConsumedRecord: Sendable {
    public let topic: String
    public let partition: Int
    /// Position in the partition (increasing within a partition).
    public let offset: UInt64
    public let key: [UInt8]
    public let value: [UInt8]
    public let recordID: String?
    /// 1 on first delivery, more when redelivered.
    public let deliveryCount: Int
    /// What the implementation needs to acknowledge this delivery.
    package let ackToken: AckToken

    package init(
        topic: String, partition: Int, offset: UInt64, key: [UInt8], value: [UInt8], recordID: String?,
        deliveryCount: Int, ackToken: AckToken
    ) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.key = key
        self.value = value
        self.recordID = recordID
        self.deliveryCount = deliveryCount
        self.ackToken = ackToken
    }
}

/// Implementation data that acknowledges one delivery.
package enum AckToken: Sendable {
    /// In-process: the partition and offset are enough.
    case inProcess
    /// JetStream: the reply subject of the delivered message (`$JS.ACK.…`).
    case replySubject(String)
}
