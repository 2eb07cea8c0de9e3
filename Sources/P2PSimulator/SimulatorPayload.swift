/// What the sender puts in each message's payload: who sent it and when it was meant to leave, then
/// filler bytes as the load (`docs/simulator.md`, Records). Type `0x40`, version 1.
public struct SimulatorPayload: Hashable, Sendable {
    public static let type: UInt8 = 0x40
    public static let version: UInt8 = 1
    /// Filler bytes at most, so the payload stays under the link manager's 1 000 000-byte default.
    public static let maximumFillerLength = 900_000
    public static let maximumSenderIDLength = 64

    /// `A–Z a–z 0–9 - _`, 1…``maximumSenderIDLength`` characters.
    public var senderID: String
    /// The intended send time, microseconds since the Unix epoch.
    public var sendTime: UInt64
    public var filler: [UInt8]

    public init(senderID: String, sendTime: UInt64, filler: [UInt8]) {
        self.senderID = senderID
        self.sendTime = sendTime
        self.filler = filler
    }

    /// Sender ids: 1…64 characters of `A–Z a–z 0–9 - _`.
    public static func isValidSenderID(_ id: String) -> Bool {
        !id.isEmpty && id.utf8.count <= maximumSenderIDLength && id.utf8.allSatisfy(isNameByte)
    }

    static func isNameByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "-"), UInt8(ascii: "_"):
            true
        default: false
        }
    }

    public func encoded() throws(SimulatorError) -> [UInt8] {
        guard Self.isValidSenderID(senderID) else { throw SimulatorError(.invalidOption, "sender id '\(senderID)'") }
        guard filler.count <= Self.maximumFillerLength else {
            throw SimulatorError(.invalidOption, "filler \(filler.count) bytes > \(Self.maximumFillerLength)")
        }
        var writer = SimulatorRecordWriter(type: Self.type, version: Self.version, capacity: 16 + senderID.utf8.count + filler.count)
        writer.text(senderID)
        writer.u64(sendTime)
        writer.u32(filler.count)
        writer.append(filler)
        return writer.bytes
    }

    public init(decoding bytes: [UInt8]) throws(SimulatorError) {
        var reader = SimulatorRecordReader(bytes, malformed: .malformedPayload)
        try reader.header(type: Self.type, version: Self.version, "simulator payload")
        let senderID = try reader.text(1...Self.maximumSenderIDLength, "sender id")
        guard Self.isValidSenderID(senderID) else { throw SimulatorError(.malformedPayload, "sender id has a character outside A-Z a-z 0-9 - _") }
        let sendTime = try reader.u64("send time")
        let filler = try reader.lengthPrefixed(prefixBytes: 4, 0...Self.maximumFillerLength, "filler")
        try reader.finish("simulator payload")
        self.init(senderID: senderID, sendTime: sendTime, filler: Array(filler))
    }
}
