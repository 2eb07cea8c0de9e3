public import P2PWire

/// The `session.out.partitions` table: session id → the `link.in` partitions of the link manager
/// holding the session. Key: the session id in lower-case hex (32 characters); value: the partition
/// numbers as decimal ASCII separated by commas (`"0,1,2,3"`).
public enum SessionPartitions {
    public static let tableName = "session.out.partitions"
    /// Partitions per entry at most (the bus's own bound on partitions per topic).
    public static let maximumPartitions = 1024

    public static func key(_ session: SessionID) -> String {
        session.bytes.map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    public static func session(fromKey key: String) -> SessionID? {
        let utf8 = Array(key.utf8)
        guard utf8.count == 2 * SessionID.size else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(SessionID.size)
        for index in stride(from: 0, to: utf8.count, by: 2) {
            guard let byte = UInt8(String(decoding: utf8[index..<index + 2], as: UTF8.self), radix: 16) else { return nil }
            bytes.append(byte)
        }
        return SessionID(bytes: bytes)
    }

    public static func encode(_ partitions: [Int]) -> [UInt8] {
        Array(partitions.map(String.init).joined(separator: ",").utf8)
    }

    public static func decode(_ value: [UInt8]) throws(ClusterError) -> [Int] {
        guard value.count <= maximumPartitions * 6 else { throw ClusterError(.malformedRecord, "partitions value too long") }
        var partitions: [Int] = []
        for part in String(decoding: value, as: UTF8.self).split(separator: ",") {
            guard let number = Int(part), number >= 0, number < maximumPartitions else {
                throw ClusterError(.malformedRecord, "partition '\(part)'")
            }
            partitions.append(number)
        }
        return partitions
    }
}
