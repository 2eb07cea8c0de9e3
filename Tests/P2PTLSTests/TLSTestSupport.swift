import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import NIOTLS
import P2PTLS
import P2PX509

/// Certificates for the TLS tests: one root (per group) and identities it issues.
struct TestCredentials {
    let authority: CertificateAuthority
    let now = Date()

    init(algorithm: KeyAlgorithm = .ecP256, name: String = "TLS Test Root") throws {
        authority = try CertificateAuthority.selfSigned(
            key: try PrivateKey(generating: algorithm),
            profile: .certificateAuthority(
                subject: try DistinguishedName(commonName: name, country: "UK"), serialNumber: SerialNumber.random(),
                validFrom: now.addingTimeInterval(-86_400), days: 30))
    }

    var root: Certificate { authority.certificate }

    func identity(
        _ names: [String], algorithm: KeyAlgorithm = .ecP256, serial: UInt64 = 2, validFrom: Date? = nil, days: Int = 10,
        crlURL: String? = nil
    ) throws -> TLSIdentity {
        let key = try PrivateKey(generating: algorithm)
        var alternativeNames: [SubjectAlternativeName] = []
        for name in names {
            alternativeNames.append((try? SubjectAlternativeName.ipAddress(name)) ?? .dns(name))
        }
        let certificate = try authority.issue(
            profile: .tlsEndEntity(
                subject: try DistinguishedName(commonName: names[0]), alternativeNames: alternativeNames,
                serialNumber: SerialNumber(serial), validFrom: validFrom ?? now.addingTimeInterval(-3600), days: days,
                crlDistributionPoints: crlURL.map { [$0] } ?? []),
            publicKey: key.publicKey)
        return try TLSIdentity(chain: [certificate], key: key)
    }

    /// Writes the root, and an identity's certificate and key, as PEM files for foreign tools.
    func writeFiles(_ identity: TLSIdentity?, in directory: URL, prefix: String) throws -> (root: String, cert: String, key: String) {
        let root = directory.appending(path: "\(prefix)-root.pem")
        try Data(try self.root.pemRepresentation.utf8).write(to: root)
        guard let identity else { return (root.path, "", "") }
        let cert = directory.appending(path: "\(prefix)-cert.pem")
        let key = directory.appending(path: "\(prefix)-key.pem")
        try Data(try identity.leaf.pemRepresentation.utf8).write(to: cert)
        try Data(try identity.key.pemRepresentation.utf8).write(to: key)
        return (root.path, cert.path, key.path)
    }
}

/// A logger whose messages and metadata are kept for assertions.
final class CapturedLogs: Sendable {
    private let lines = NIOLockedValueBox<[String]>([])

    var logger: Logger {
        let box = lines
        var logger = Logger(label: "p2p.tls.test") { _ in CapturingLogHandler(lines: box) }
        logger.logLevel = .debug
        return logger
    }

    var all: [String] { lines.withLockedValue { $0 } }

    func contains(_ text: String) -> Bool { all.contains { $0.contains(text) } }
}

struct CapturingLogHandler: LogHandler {
    let lines: NIOLockedValueBox<[String]>
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .debug

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let fields = (event.metadata ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        lines.withLockedValue { $0.append("\(event.level) \(event.message) \(fields.joined(separator: " "))") }
    }
}

/// Records what passes above a TLS handler: errors, user events, plaintext. Thread-safe for socket tests.
final class ConnectionRecorder: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let state = NIOLockedValueBox<(errors: [TLSError], events: [String], received: [UInt8], inactive: Bool)>(
        ([], [], [], false))

    var errors: [TLSError] { state.withLockedValue { $0.errors } }
    var events: [String] { state.withLockedValue { $0.events } }
    var received: [UInt8] { state.withLockedValue { $0.received } }
    var receivedText: String { String(decoding: received, as: UTF8.self) }
    var isInactive: Bool { state.withLockedValue { $0.inactive } }
    var handshakeCompleted: Bool { events.contains("handshakeCompleted") }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        state.withLockedValue { $0.received += Array(buffer.readableBytesView) }
        context.fireChannelRead(data)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? TLSUserEvent {
            switch event {
            case .handshakeCompleted: state.withLockedValue { $0.events.append("handshakeCompleted") }
            case .shutdownCompleted: state.withLockedValue { $0.events.append("shutdownCompleted") }
            }
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // Kept here, not passed on: EmbeddedChannel would rethrow it from the next write.
        if let error = error as? TLSError { state.withLockedValue { $0.errors.append(error) } }
    }

    func channelInactive(context: ChannelHandlerContext) {
        state.withLockedValue { $0.inactive = true }
        context.fireChannelInactive()
    }
}

/// A client and a server `EmbeddedChannel` on one `EmbeddedEventLoop`, exchanging bytes in memory
/// (swift-nio-ssl's `BackToBackEmbeddedChannel`).
final class BackToBackChannels {
    /// The most rounds `interactInMemory` runs before it gives up.
    static let maximumRounds = 1_000

    let loop = EmbeddedEventLoop()
    let client: EmbeddedChannel
    let server: EmbeddedChannel
    let clientRecorder = ConnectionRecorder()
    let serverRecorder = ConnectionRecorder()
    let clientHandler: TLSHandler
    let serverHandler: TLSHandler
    /// Each network write of the client, as it left the client's pipeline.
    private(set) var clientWrites: [ByteBuffer] = []

    init(client clientContext: TLSContext, server serverContext: TLSContext, hostname: String, logs: CapturedLogs) throws {
        client = EmbeddedChannel(loop: loop)
        server = EmbeddedChannel(loop: loop)
        clientHandler = try TLSHandler(context: clientContext, serverHostname: hostname, logger: logs.logger)
        serverHandler = try TLSHandler(context: serverContext, logger: logs.logger)
        try client.pipeline.syncOperations.addHandlers([clientHandler, clientRecorder])
        try server.pipeline.syncOperations.addHandlers([serverHandler, serverRecorder])
    }

    func connect() throws {
        let address = try SocketAddress(ipAddress: "127.0.0.1", port: 443)
        _ = try server.connect(to: address).wait()
        _ = try client.connect(to: address).wait()
    }

    /// Moves bytes both ways until neither side has anything to send.
    func interactInMemory() throws {
        for _ in 0..<Self.maximumRounds {
            var moved = false
            if let bytes = try client.readOutbound(as: ByteBuffer.self) {
                clientWrites.append(bytes)
                if server.isActive { try server.writeInbound(bytes) }
                moved = true
            }
            if let bytes = try server.readOutbound(as: ByteBuffer.self) {
                if client.isActive { try client.writeInbound(bytes) }
                moved = true
            }
            if !moved { return }
        }
        throw TLSError(.noForwardProgress, "interactInMemory did not settle")
    }

    /// Closes both sides (letting close_notify and every timer run) without blocking on a peer that never answers.
    func finish() {
        client.close(promise: nil)
        try? interactInMemory()
        server.close(promise: nil)
        try? interactInMemory()
        loop.advanceTime(by: .seconds(60))
        _ = try? client.finish(acceptAlreadyClosed: true)
        _ = try? server.finish(acceptAlreadyClosed: true)
    }
}

extension ByteBuffer {
    init(text: String) { self.init(string: text) }
}

/// A thread-safe counter.
final class NIOLockedValueBoxCounter: Sendable {
    private let box = NIOLockedValueBox(0)
    var value: Int { box.withLockedValue { $0 } }
    func increment() { box.withLockedValue { $0 += 1 } }
}
