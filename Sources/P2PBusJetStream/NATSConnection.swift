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

enum Hex {
    static let digits = Array("0123456789abcdef".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func decode(_ text: UnsafePointer<CChar>) -> [UInt8] {
        var out: [UInt8] = []
        var pointer = text
        func value(_ c: CChar) -> UInt8? {
            switch UInt8(bitPattern: c) {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt8(bitPattern: c) - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt8(bitPattern: c) - UInt8(ascii: "a") + 10
            default: nil
            }
        }
        while pointer[0] != 0, pointer[1] != 0, let high = value(pointer[0]), let low = value(pointer[1]) {
            out.append(high << 4 | low)
            pointer += 2
        }
        return out
    }
}

/// Reading our record fields out of a received `natsMsg*` (borrowed, not destroyed here).
enum NATSMessage {
    static func payload(_ message: OpaquePointer) -> [UInt8] {
        let length = Int(natsMsg_GetDataLength(message))
        var value = [UInt8](repeating: 0, count: length)
        if length > 0, let data = natsMsg_GetData(message) {
            value.withUnsafeMutableBytes { $0.copyMemory(from: UnsafeRawBufferPointer(start: data, count: length)) }
        }
        return value
    }

    /// The `P2P-Key` (hex) and `Nats-Msg-Id` headers.
    static func keyAndRecordID(_ message: OpaquePointer) -> (key: [UInt8], recordID: String?) {
        var header: UnsafePointer<CChar>?
        var key: [UInt8] = []
        if natsMsgHeader_Get(message, "P2P-Key", &header) == NATS_OK, let header { key = Hex.decode(header) }
        var recordID: String?
        if natsMsgHeader_Get(message, "Nats-Msg-Id", &header) == NATS_OK, let header { recordID = String(cString: header) }
        return (key, recordID)
    }
}
