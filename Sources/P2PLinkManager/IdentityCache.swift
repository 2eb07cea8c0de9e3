import P2PIdentity

/// Parsed identities by their encoded bytes, so that decoding the records of a busy pair does not
/// parse and validate the same X.500 names again for every message (parsing dominates decoding: see
/// PERFORMANCE.md, "Link manager").
///
/// Bounded by ``capacity`` entries; when full it is emptied and refills with the identities in use,
/// which costs one parse per identity and never grows memory.
public struct IdentityCache: Sendable {
    public static let defaultCapacity = 4_096

    public let capacity: Int
    private var entries: [[UInt8]: HoldingIdentity] = [:]

    public init(capacity: Int = Self.defaultCapacity) {
        self.capacity = max(1, capacity)
    }

    public var count: Int { entries.count }

    /// The identity encoded as `name` and `group` (already length-checked), parsed once.
    mutating func identity(
        name: ArraySlice<UInt8>, group: ArraySlice<UInt8>, _ field: String
    ) throws(LinkManagerError) -> HoldingIdentity {
        var key: [UInt8] = []
        key.reserveCapacity(name.count + group.count + 1)
        key.append(contentsOf: group)
        key.append(0)  // never in a group id: the split is unambiguous
        key.append(contentsOf: name)
        if let known = entries[key] { return known }
        let identity = try RecordReader.parseIdentity(name: name, group: group, field)
        if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
        entries[key] = identity
        return identity
    }
}
