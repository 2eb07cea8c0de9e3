import CNATS
#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import P2PBus

/// Runs nats.c calls that block (requests, fetches, connects) off Swift's cooperative threads.
enum Blocking {
    static let queue = DispatchQueue(label: "p2p.bus.nats.blocking", attributes: .concurrent)

    static func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: body()) }
        }
    }

    static func run<T: Sendable>(_ body: @escaping @Sendable () throws(BusError) -> T) async throws(BusError) -> T {
        let result: Result<T, BusError> = await run { () -> Result<T, BusError> in
            Result(catching: body)
        }
        return try result.get()
    }
}

/// nats.c's text for the last error of this thread, for error details.
func lastNATSError(_ status: natsStatus) -> String {
    var last = NATS_OK
    if let text = nats_GetLastError(&last), last != NATS_OK {
        return String(cString: text)
    }
    return String(cString: natsStatus_GetText(status))
}

/// C strings that live until the arena is released: for nats.c configuration structs.
final class CStringArena {
    private var pointers: [UnsafeMutablePointer<CChar>] = []
    private var arrays: [UnsafeMutablePointer<UnsafePointer<CChar>?>] = []

    func string(_ text: String) -> UnsafePointer<CChar> {
        let pointer = strdup(text)!
        pointers.append(pointer)
        return UnsafePointer(pointer)
    }

    func array(_ texts: [String]) -> UnsafeMutablePointer<UnsafePointer<CChar>?> {
        let array = UnsafeMutablePointer<UnsafePointer<CChar>?>.allocate(capacity: max(texts.count, 1))
        for (index, text) in texts.enumerated() { array[index] = string(text) }
        arrays.append(array)
        return array
    }

    deinit {
        for pointer in pointers { free(pointer) }
        for array in arrays { array.deallocate() }
    }
}

/// One nats.c connection and its JetStream context; the only owner of both handles.
final class NATSConnection: @unchecked Sendable {
    let connection: OpaquePointer
    let context: OpaquePointer
    let urls: [String]
    let configuration: JetStreamBus.Configuration

    private init(connection: OpaquePointer, context: OpaquePointer, urls: [String], configuration: JetStreamBus.Configuration) {
        self.connection = connection
        self.context = context
        self.urls = urls
        self.configuration = configuration
    }

    deinit {
        jsCtx_Destroy(context)
        natsConnection_Destroy(connection)
    }

    /// Connects, trying `configuration.connectAttempts` times; the error names the URLs.
    static func connect(urls: [String], configuration: JetStreamBus.Configuration) async throws(BusError) -> NATSConnection {
        guard !urls.isEmpty, urls.count <= 32 else { throw BusError(.invalidOption, "give 1…32 server URLs") }
        var lastError = ""
        for attempt in 1...configuration.connectAttempts {
            let result: Result<NATSConnection, BusError> = await Blocking.run {
                Result { () throws(BusError) in try connectOnce(urls: urls, configuration: configuration) }
            }
            switch result {
            case .success(let connection): return connection
            case .failure(let error) where error.code == .unreachable:
                lastError = error.detail
                if attempt < configuration.connectAttempts { try? await Task.sleep(for: configuration.connectBackoff) }
            case .failure(let error): throw error
            }
        }
        throw BusError(
            .unreachable,
            "\(urls.joined(separator: ",")) unreachable after \(configuration.connectAttempts) attempts: \(lastError)")
    }

    private static func connectOnce(urls: [String], configuration: JetStreamBus.Configuration) throws(BusError) -> NATSConnection {
        var options: OpaquePointer?
        guard natsOptions_Create(&options) == NATS_OK, let options else { throw BusError(.serverError, "natsOptions_Create") }
        defer { natsOptions_Destroy(options) }
        let arena = CStringArena()
        let servers = arena.array(urls)
        var status = natsOptions_SetServers(options, servers, Int32(urls.count))
        guard status == NATS_OK else { throw BusError(.invalidOption, "server URL \(urls): \(lastNATSError(status))") }
        natsOptions_SetName(options, configuration.connectionName)
        natsOptions_SetTimeout(options, configuration.connectTimeout.milliseconds)
        natsOptions_SetMaxReconnect(options, Int32(configuration.maxReconnects))
        natsOptions_SetReconnectWait(options, configuration.reconnectWait.milliseconds)
        natsOptions_SetReconnectBufSize(options, Int32(configuration.reconnectBufferBytes))
        natsOptions_SetSendAsap(options, configuration.sendAsap)
        natsOptions_SetNoRandomize(options, true)
        var connection: OpaquePointer?
        status = natsConnection_Connect(&connection, options)
        guard status == NATS_OK, let connection else {
            throw BusError(.unreachable, lastNATSError(status))
        }
        var jsOptions = jsOptions()
        jsOptions_Init(&jsOptions)
        jsOptions.Wait = configuration.requestTimeout.milliseconds
        var context: OpaquePointer?
        status = natsConnection_JetStream(&context, connection, &jsOptions)
        guard status == NATS_OK, let context else {
            natsConnection_Destroy(connection)
            throw BusError(.serverError, "JetStream context: \(lastNATSError(status))")
        }
        return NATSConnection(connection: connection, context: context, urls: urls, configuration: configuration)
    }
}

extension Duration {
    var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }

    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}

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
