/// A zip archive of stored (uncompressed) entries with CRC-32: what the doorman returns and the node
/// reads (PKWARE APPNOTE 6.3, the subset without compression, data descriptors or zip64).
public enum ZipArchive {
    /// The most entries read or written.
    public static let maximumEntries = DoormanLimits.maximumChainLength
    /// The longest entry name, in bytes.
    public static let maximumNameLength = 255
    /// The largest archive read or written, in bytes.
    public static let maximumArchiveBytes = DoormanLimits.maximumResponseBytes

    private static let localHeaderSignature: UInt32 = 0x0403_4B50
    private static let centralHeaderSignature: UInt32 = 0x0201_4B50
    private static let endSignature: UInt32 = 0x0605_4B50
    /// 1980-01-01 00:00 in MS-DOS date and time (zip cannot say "no date").
    private static let dosTime: UInt16 = 0
    private static let dosDate: UInt16 = (0 << 9) | (1 << 5) | 1

    /// An archive of `entries`, in order, each stored uncompressed.
    public static func stored(_ entries: [(name: String, data: [UInt8])]) throws(DoormanError) -> [UInt8] {
        guard entries.count <= maximumEntries else { throw DoormanError(.invalidArchive, "\(entries.count) entries") }
        var archive: [UInt8] = []
        var central: [UInt8] = []
        for entry in entries {
            let name = Array(entry.name.utf8)
            guard !name.isEmpty, name.count <= maximumNameLength,
                archive.count + entry.data.count + name.count + 30 <= maximumArchiveBytes
            else { throw DoormanError(.invalidArchive, "entry too large or badly named") }
            let crc = CRC32.checksum(entry.data)
            let offset = UInt32(archive.count)
            archive.append(littleEndian: localHeaderSignature)
            archive.append(littleEndian: UInt16(20))  // version needed: 2.0
            archive.append(littleEndian: UInt16(0x0800))  // flags: names are UTF-8
            archive.append(littleEndian: UInt16(0))  // method: stored
            archive.append(littleEndian: dosTime)
            archive.append(littleEndian: dosDate)
            archive.append(littleEndian: crc)
            archive.append(littleEndian: UInt32(entry.data.count))  // compressed size
            archive.append(littleEndian: UInt32(entry.data.count))  // uncompressed size
            archive.append(littleEndian: UInt16(name.count))
            archive.append(littleEndian: UInt16(0))  // extra field length
            archive += name
            archive += entry.data

            central.append(littleEndian: centralHeaderSignature)
            central.append(littleEndian: UInt16(0x0314))  // made by: Unix, 2.0
            central.append(littleEndian: UInt16(20))
            central.append(littleEndian: UInt16(0x0800))
            central.append(littleEndian: UInt16(0))
            central.append(littleEndian: dosTime)
            central.append(littleEndian: dosDate)
            central.append(littleEndian: crc)
            central.append(littleEndian: UInt32(entry.data.count))
            central.append(littleEndian: UInt32(entry.data.count))
            central.append(littleEndian: UInt16(name.count))
            central.append(littleEndian: UInt16(0))  // extra
            central.append(littleEndian: UInt16(0))  // comment
            central.append(littleEndian: UInt16(0))  // disk number
            central.append(littleEndian: UInt16(0))  // internal attributes
            central.append(littleEndian: UInt32(0o100644) << 16)  // external attributes: a regular file, rw-r--r--
            central.append(littleEndian: offset)
            central += name
        }
        let centralOffset = UInt32(archive.count)
        archive += central
        archive.append(littleEndian: endSignature)
        archive.append(littleEndian: UInt16(0))  // this disk
        archive.append(littleEndian: UInt16(0))  // disk with the central directory
        archive.append(littleEndian: UInt16(entries.count))
        archive.append(littleEndian: UInt16(entries.count))
        archive.append(littleEndian: UInt32(central.count))
        archive.append(littleEndian: centralOffset)
        archive.append(littleEndian: UInt16(0))  // comment length
        return archive
    }

    /// The entries of an archive of stored entries, in order, each checked against its CRC-32.
    /// Compressed entries, data descriptors and anything malformed are `.invalidArchive`.
    public static func entries(of archive: [UInt8]) throws(DoormanError) -> [(name: String, data: [UInt8])] {
        guard archive.count <= maximumArchiveBytes else { throw DoormanError(.invalidArchive, "archive too large") }
        var reader = LittleEndianReader(archive)
        var entries: [(name: String, data: [UInt8])] = []
        while try reader.peek32() == localHeaderSignature {
            guard entries.count < maximumEntries else { throw DoormanError(.invalidArchive, "too many entries") }
            _ = try reader.read32()
            _ = try reader.read16()  // version needed
            let flags = try reader.read16()
            let method = try reader.read16()
            _ = try reader.read16()
            _ = try reader.read16()
            let crc = try reader.read32()
            let compressedSize = Int(try reader.read32())
            let size = Int(try reader.read32())
            let nameLength = Int(try reader.read16())
            let extraLength = Int(try reader.read16())
            guard method == 0, flags & 0x0008 == 0, compressedSize == size, nameLength <= maximumNameLength else {
                throw DoormanError(.invalidArchive, "only stored entries without data descriptors are read")
            }
            let name = String(decoding: try reader.bytes(nameLength), as: UTF8.self)
            _ = try reader.bytes(extraLength)
            let data = try reader.bytes(size)
            guard CRC32.checksum(data) == crc else { throw DoormanError(.invalidArchive, "CRC-32 mismatch in \(name)") }
            entries.append((name, data))
        }
        let next = try reader.peek32()
        guard next == centralHeaderSignature || next == endSignature else {
            throw DoormanError(.invalidArchive, "no central directory after the entries")
        }
        return entries
    }
}

/// CRC-32 (ISO 3309, reflected polynomial 0xEDB88320), as zip uses.
public enum CRC32 {
    private static let table: [UInt32] = (0..<256).map { index in
        var value = UInt32(index)
        for _ in 0..<8 { value = value & 1 == 1 ? (value >> 1) ^ 0xEDB8_8320 : value >> 1 }
        return value
    }

    public static func checksum(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }
}

extension [UInt8] {
    fileprivate mutating func append<T: FixedWidthInteger>(littleEndian value: T) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }
}

/// Reads little-endian fields from a byte array, every read bounds-checked.
private struct LittleEndianReader {
    let bytes: [UInt8]
    var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    mutating func bytes(_ count: Int) throws(DoormanError) -> [UInt8] {
        guard count >= 0, count <= bytes.count - offset else { throw DoormanError(.invalidArchive, "truncated") }
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    func peek32() throws(DoormanError) -> UInt32 {
        guard bytes.count - offset >= 4 else { throw DoormanError(.invalidArchive, "truncated") }
        return (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[offset + $1]) << (8 * $1) }
    }

    mutating func read32() throws(DoormanError) -> UInt32 {
        let value = try peek32()
        offset += 4
        return value
    }

    mutating func read16() throws(DoormanError) -> UInt16 {
        let pair = try bytes(2)
        return UInt16(pair[0]) | UInt16(pair[1]) << 8
    }
}
