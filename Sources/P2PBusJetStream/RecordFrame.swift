import CNATS

/// The payload of a bus record in a JetStream message: `0x01 ‖ key length (u16, big-endian) ‖ key ‖ value`.
///
/// The key travels in the payload, not in a header: nats.c builds a hash map for the headers of
/// every message it creates or reads, which halved throughput when the key was a header.
enum RecordFrame {
    static let version: UInt8 = 1
    static let overhead = 3

    /// Calls `body` with the framed payload, built in temporary storage.
    static func withFrame<R>(key: [UInt8], value: [UInt8], _ body: (UnsafeRawBufferPointer) -> R) -> R {
        let count = overhead + key.count + value.count
        return withUnsafeTemporaryAllocation(byteCount: count, alignment: 1) { buffer in
            buffer[0] = version
            buffer[1] = UInt8(truncatingIfNeeded: key.count >> 8)
            buffer[2] = UInt8(truncatingIfNeeded: key.count)
            key.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: buffer[overhead...]).copyMemory(from: $0) }
            value.withUnsafeBytes {
                UnsafeMutableRawBufferPointer(rebasing: buffer[(overhead + key.count)...]).copyMemory(from: $0)
            }
            return body(UnsafeRawBufferPointer(buffer))
        }
    }

    /// Splits a payload; one not in this format is all value, with an empty key.
    static func split(_ payload: UnsafeRawBufferPointer) -> (key: [UInt8], value: [UInt8]) {
        guard payload.count >= overhead, payload[0] == version else { return ([], Array(payload)) }
        let keyLength = Int(payload[1]) << 8 | Int(payload[2])
        guard overhead + keyLength <= payload.count else { return ([], Array(payload)) }
        return (Array(payload[overhead..<(overhead + keyLength)]), Array(payload[(overhead + keyLength)...]))
    }
}

/// Reading our record fields out of a received `natsMsg*` (borrowed, not destroyed here).
enum NATSMessage {
    static func fields(_ message: OpaquePointer) -> (key: [UInt8], value: [UInt8], recordID: String?) {
        let length = Int(natsMsg_GetDataLength(message))
        let (key, value) = RecordFrame.split(UnsafeRawBufferPointer(start: natsMsg_GetData(message), count: length))
        var header: UnsafePointer<CChar>?
        var recordID: String?
        if natsMsgHeader_Get(message, "Nats-Msg-Id", &header) == NATS_OK, let header { recordID = String(cString: header) }
        return (key, value, recordID)
    }

    /// Delivery count and stream sequence from a JetStream ack subject:
    /// `$JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<cseq>.<ts>.<pending>` (9 tokens, 2.9), or the
    /// 12-token form (with domain and account hash) of newer servers.
    static func ackMetadata(_ reply: UnsafePointer<CChar>) -> (delivered: Int, sequence: UInt64)? {
        var dots: [Int] = []
        dots.reserveCapacity(12)
        var index = 0
        while reply[index] != 0 {
            if reply[index] == 0x2E { dots.append(index) }
            index += 1
            if index > 4096 { return nil }
        }
        let tokens = dots.count + 1
        guard tokens == 9 || tokens >= 12 else { return nil }
        let first = tokens == 9 ? 4 : 6
        func number(_ token: Int) -> UInt64? {
            let start = dots[token - 1] + 1
            let end = token < dots.count ? dots[token] : index
            guard end > start, end - start <= 19 else { return nil }
            var value: UInt64 = 0
            for position in start..<end {
                let digit = UInt8(bitPattern: reply[position]) &- 0x30
                guard digit < 10 else { return nil }
                value = value * 10 + UInt64(digit)
            }
            return value
        }
        guard let delivered = number(first), let sequence = number(first + 1) else { return nil }
        return (Int(delivered), sequence)
    }
}
