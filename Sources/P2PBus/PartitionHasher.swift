/// The stable key → partition function every producer of every language must share.
///
/// 32-bit FNV-1a over the key bytes, reduced modulo the partition count. Never Swift's
/// `hashValue`, which is randomised per process.
public enum PartitionHasher {
    public static let offsetBasis: UInt32 = 0x811C_9DC5
    public static let prime: UInt32 = 0x0100_0193

    /// 32-bit FNV-1a of `bytes`.
    @inlinable
    public static func fnv1a32<Bytes: Sequence>(_ bytes: Bytes) -> UInt32 where Bytes.Element == UInt8 {
        var hash = offsetBasis
        for byte in bytes {
            hash ^= UInt32(byte)
            hash &*= prime
        }
        return hash
    }

    /// The partition of `key` in a topic of `partitions` partitions (`partitions` ≥ 1).
    @inlinable
    public static func partition<Bytes: Sequence>(forKey key: Bytes, partitions: Int) -> Int
    where Bytes.Element == UInt8 {
        precondition(partitions > 0, "a topic has at least one partition")
        return Int(fnv1a32(key) % UInt32(partitions))
    }
}
