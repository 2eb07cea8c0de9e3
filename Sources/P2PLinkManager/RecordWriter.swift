import P2PIdentity

/// Writes the fields of `docs/app-records.md`, refusing what a decoder would refuse.
struct RecordWriter {
    private(set) var bytes: [UInt8] = []

    init(_ type: AppRecordType, capacity: Int = 64) {
        bytes.reserveCapacity(capacity)
        bytes.append(type.rawValue)
        bytes.append(AppRecordType.version)
    }

    mutating func u8(_ value: UInt8) { bytes.append(value) }

    mutating func u16(_ value: Int) {
        bytes.append(UInt8(truncatingIfNeeded: value >> 8))
        bytes.append(UInt8(truncatingIfNeeded: value))
    }

    mutating func u32(_ value: Int) {
        for shift in stride(from: 24, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: value >> shift)) }
    }

    mutating func u64(_ value: UInt64) {
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    mutating func lengthPrefixed(
        _ value: some Collection<UInt8>, prefixBytes: Int, _ range: ClosedRange<Int>, _ field: String
    ) throws(LinkManagerError) {
        let count = value.count
        guard count <= range.upperBound else {
            throw LinkManagerError(.fieldTooLarge, "\(field): \(count) bytes > \(range.upperBound)")
        }
        guard count >= range.lowerBound else {
            throw LinkManagerError(.fieldTooShort, "\(field): \(count) bytes < \(range.lowerBound)")
        }
        switch prefixBytes {
        case 1: u8(UInt8(count))
        case 2: u16(count)
        default: u32(count)
        }
        bytes.append(contentsOf: value)
    }

    mutating func text(_ value: String, prefixBytes: Int, _ range: ClosedRange<Int>, _ field: String) throws(LinkManagerError) {
        try lengthPrefixed(value.utf8, prefixBytes: prefixBytes, range, field)
    }

    /// Identities and message ids are valid by construction, so their bounds always hold.
    mutating func identity(_ identity: HoldingIdentity) throws(LinkManagerError) {
        try text(identity.name.description, prefixBytes: 2, 1...AppRecordLimits.maximumX500NameLength, "name")
        try text(identity.groupID.value, prefixBytes: 1, 1...AppRecordLimits.maximumGroupIDLength, "group id")
    }

    mutating func messageID(_ id: MessageID) throws(LinkManagerError) {
        try text(id.value, prefixBytes: 1, 1...AppRecordLimits.maximumMessageIDLength, "message id")
    }

    mutating func append(_ other: [UInt8]) { bytes.append(contentsOf: other) }
}
