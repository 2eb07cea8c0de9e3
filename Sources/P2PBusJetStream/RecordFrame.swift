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
        // First pass: count the tokens (no allocation); second: parse the two numbers.
        var length = 0
        var dots = 0
        while reply[length] != 0 {
            if reply[length] == 0x2E { dots += 1 }
            length += 1
            if length > 4096 { return nil }
        }
        let tokens = dots + 1
        guard tokens == 9 || tokens >= 12 else { return nil }
        let wanted = tokens == 9 ? 4 : 6  // token index of the delivery count; the sequence follows
        var token = 0
        var position = 0
        var numbers: (UInt64, UInt64) = (0, 0)
        while position < length, token <= wanted + 1 {
            if reply[position] == 0x2E {
                token += 1
            } else if token == wanted || token == wanted + 1 {
                let digit = UInt8(bitPattern: reply[position]) &- 0x30
                guard digit < 10 else { return nil }
                let (current, overflow1) = (token == wanted ? numbers.0 : numbers.1).multipliedReportingOverflow(by: 10)
                let (next, overflow2) = current.addingReportingOverflow(UInt64(digit))
                guard !overflow1, !overflow2 else { return nil }
                if token == wanted { numbers.0 = next } else { numbers.1 = next }
            }
            position += 1
        }
        guard numbers.0 > 0, numbers.0 <= UInt64(Int.max) else { return nil }
        return (Int(numbers.0), numbers.1)
    }
}
