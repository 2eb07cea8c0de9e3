import CNATS
#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import P2PBus

/// nats.c's text for the last error of this thread, for error details.
func lastNATSError(_ status: natsStatus) -> String {
    var last = NATS_OK
    if let text = nats_GetLastError(&last), last != NATS_OK {
        return String(cString: text)
    }
    return String(cString: natsStatus_GetText(status))
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
