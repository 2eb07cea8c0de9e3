import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// A minimal HTTP/1.1 client for the doorman protocol: one connection per request, bounded response,
/// bounded time. Plain HTTP only (`docs/doorman.md` §1).
public struct DoormanClient: Sendable {
    /// How long one request may take, connection included, in seconds.
    public static let requestTimeoutSeconds: Int64 = 30

    /// A response, header names in lower case.
    public struct Response: Sendable {
        public var status: Int
        public var headers: [(name: String, value: String)]
        public var body: [UInt8]

        public func header(_ name: String) -> String? {
            let lower = name.lowercased()
            return headers.first { $0.name == lower }?.value
        }
    }

    public let host: String
    public let port: Int
    /// The path prefix of the base URL (empty or starting with `/`, no trailing `/`).
    public let basePath: String

    /// Parses `http://host[:port][/base]`.
    public init(url: String) throws(DoormanError) {
        guard let components = URLComponents(string: url), components.scheme == "http", let host = components.host,
            !host.isEmpty, components.query == nil, components.fragment == nil
        else { throw DoormanError(.invalidConfiguration, "the doorman URL must be http://host[:port][/path]") }
        self.host = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
        port = components.port ?? 80
        var path = components.path
        while path.hasSuffix("/") { path.removeLast() }
        basePath = path
    }

    /// Sends one request and reads the whole response.
    public func send(method: String, path: String, body: [UInt8] = []) async throws(DoormanError) -> Response {
        do {
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.seconds(10))
                .connect(host: host, port: port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                        return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(
                            wrappingChannelSynchronously: channel)
                    }
                }
            // Closing the channel ends the read loop below, whatever the server does.
            let timeout = channel.channel.eventLoop.scheduleTask(in: .seconds(Self.requestTimeoutSeconds)) {
                channel.channel.close(promise: nil)
            }
            defer { timeout.cancel() }
            return try await channel.executeThenClose { inbound, outbound in
                var head = HTTPRequestHead(version: .http1_1, method: HTTPMethod(rawValue: method), uri: basePath + path)
                head.headers.add(name: "Host", value: port == 80 ? host : "\(host):\(port)")
                head.headers.add(name: "Connection", value: "close")
                head.headers.add(name: "Content-Length", value: "\(body.count)")
                if !body.isEmpty { head.headers.add(name: "Content-Type", value: "application/octet-stream") }
                try await outbound.write(.head(head))
                if !body.isEmpty { try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: body)))) }
                try await outbound.write(.end(nil))
                var response: Response?
                for try await part in inbound {
                    switch part {
                    case .head(let head):
                        response = Response(
                            status: Int(head.status.code),
                            headers: head.headers.map { (name: $0.name.lowercased(), value: $0.value) }, body: [])
                    case .body(let buffer):
                        guard response != nil, response!.body.count + buffer.readableBytes <= DoormanLimits.maximumResponseBytes
                        else { throw DoormanError(.unexpectedResponse, "response larger than \(DoormanLimits.maximumResponseBytes) bytes") }
                        response!.body += buffer.readableBytesView
                    case .end:
                        if let response { return response }
                    }
                }
                throw DoormanError(.connectionFailed, "the connection closed before a whole response")
            }
        } catch let error as DoormanError {
            throw error
        } catch {
            throw DoormanError(.connectionFailed, "\(host):\(port): \(error)")
        }
    }
}
