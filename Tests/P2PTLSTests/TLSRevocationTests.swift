import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
@testable import P2PTLS
import P2PX509
import Testing

/// Revocation modes OFF, SOFT_FAIL and HARD_FAIL, from configured CRLs and from CRL distribution points.
@Suite("TLS revocation checking")
struct TLSRevocationTests {
    let credentials: TestCredentials
    let logs = CapturedLogs()

    init() throws { credentials = try TestCredentials() }

    func revocationList(revoking serials: [UInt64], nextUpdate: TimeInterval = 3600) throws -> CertificateRevocationList {
        try credentials.authority.issueRevocationList(
            revoked: serials.map { RevokedCertificate(serialNumber: SerialNumber($0), revocationDate: credentials.now) },
            number: 1, thisUpdate: credentials.now.addingTimeInterval(-60),
            nextUpdate: credentials.now.addingTimeInterval(nextUpdate))
    }

    @Test("the pure decision: revoked, good, missing and stale lists, and lists of another issuer")
    func evaluate() throws {
        let leaf = try credentials.identity(["a.example"], serial: 40).leaf
        let chain = [leaf, credentials.root]
        let now = credentials.now
        #expect(RevocationChecker.evaluate(chain: chain, lists: [try revocationList(revoking: [40])], now: now) == .revoked(SerialNumber(40)))
        #expect(RevocationChecker.evaluate(chain: chain, lists: [try revocationList(revoking: [41])], now: now) == .good)
        guard case .unavailable = RevocationChecker.evaluate(chain: chain, lists: [], now: now) else {
            Issue.record("no list must be unavailable")
            return
        }
        let stale = try revocationList(revoking: [], nextUpdate: 60)
        guard case .unavailable = RevocationChecker.evaluate(chain: chain, lists: [stale], now: now.addingTimeInterval(3600)) else {
            Issue.record("a stale list must not count")
            return
        }
        let other = try TestCredentials(name: "Other").authority.issueRevocationList(
            revoked: [RevokedCertificate(serialNumber: SerialNumber(40), revocationDate: now)], number: 1,
            thisUpdate: now.addingTimeInterval(-60), nextUpdate: now.addingTimeInterval(3600))
        guard case .unavailable = RevocationChecker.evaluate(chain: chain, lists: [other], now: now) else {
            Issue.record("another issuer's list must not count")
            return
        }
    }

    @Test("configured CRL: HARD_FAIL rejects a revoked client certificate, OFF lets it in, a good one passes")
    func configuredList() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let revoked = try credentials.identity(["revoked.example"], serial: 50)
        let good = try credentials.identity(["good.example"], serial: 51)
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let file = scratch.url.appending(path: "root.crl.pem")
        try Data(try revocationList(revoking: [50]).pemRepresentation.utf8).write(to: file)
        for mode in [RevocationMode.hardFail, .off] {
            let server = try await TestTLSServer(
                group: group,
                context: try TLSContext(
                    role: .server,
                    configuration: TLSConfiguration(
                        identities: [try credentials.identity(["server.example"])], trustRoots: [credentials.root],
                        clientAuthentication: .required,
                        revocation: try RevocationConfiguration(mode: mode, crlFiles: [file.path]))),
                logger: logs.logger)
            for (identity, expectServed) in [(revoked, mode == .off), (good, true)] {
                let client = try TLSContext(
                    role: .client, configuration: TLSConfiguration(identities: [identity], trustRoots: [credentials.root]))
                let outcome = try await runClient(
                    group: group, context: client, hostname: "server.example", port: server.port, logger: logs.logger)
                #expect(outcome.text.contains(TestTLSServer.body) == expectServed, "\(mode) \(identity.leaf.subject)")
            }
            if mode == .hardFail {
                #expect(server.errors.map(\.code) .contains(.certificateRevoked))
                #expect(logs.contains("tls.error.code=448"))
            }
            try await server.stop()
        }
        try await group.shutdownGracefully()
    }

    @Test("distribution points: fetched over HTTP and cached; HARD_FAIL rejects revoked; endpoint down: SOFT_FAIL accepts, HARD_FAIL rejects")
    func distributionPoints() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let crlServer = try await CRLServer(group: group, crl: try revocationList(revoking: [61]).derRepresentation)
        let downPort = try await unusedPort(group: group)
        let up = "http://127.0.0.1:\(crlServer.port)/root.crl"
        let down = "http://127.0.0.1:\(downPort)/root.crl"

        func attempt(
            serial: UInt64, crlURL: String, mode: RevocationMode, fetcher: CRLFetcher
        ) async throws -> ClientOutcome {
            let server = try await TestTLSServer(
                group: group,
                context: try TLSContext(
                    role: .server,
                    configuration: TLSConfiguration(
                        identities: [try credentials.identity(["server.example"], serial: serial, crlURL: crlURL)])),
                logger: logs.logger)
            let client = try TLSContext(
                role: .client,
                configuration: TLSConfiguration(
                    trustRoots: [credentials.root], revocation: RevocationConfiguration(mode: mode, fetcher: fetcher)))
            let outcome = try await runClient(
                group: group, context: client, hostname: "server.example", port: server.port, logger: logs.logger)
            try await server.stop()
            return outcome
        }

        let fetcher = CRLFetcher(group: group, timeout: .seconds(2))
        let good = try await attempt(serial: 60, crlURL: up, mode: .hardFail, fetcher: fetcher)
        #expect(good.text.contains(TestTLSServer.body), "\(good.errors)")
        let revoked = try await attempt(serial: 61, crlURL: up, mode: .hardFail, fetcher: fetcher)
        #expect(revoked.errors.map(\.code) == [.certificateRevoked])
        #expect(fetcher.fetches == 1)  // the second check used the cached list
        #expect(crlServer.requests == 1)

        let softFail = try await attempt(serial: 62, crlURL: down, mode: .softFail, fetcher: fetcher)
        #expect(softFail.text.contains(TestTLSServer.body), "\(softFail.errors)")
        #expect(logs.contains("accepted under SOFT_FAIL"))
        let hardFail = try await attempt(serial: 63, crlURL: down, mode: .hardFail, fetcher: fetcher)
        #expect(hardFail.errors.map(\.code) == [.revocationStatusUnavailable])
        #expect(logs.contains("tls.error.code=449"))
        // SOFT_FAIL still rejects a certificate the reachable CRL revokes.
        let softRevoked = try await attempt(serial: 61, crlURL: up, mode: .softFail, fetcher: fetcher)
        #expect(softRevoked.errors.map(\.code) == [.certificateRevoked])

        // With no cache lifetime, every check fetches again.
        let refreshing = CRLFetcher(group: group, timeout: .seconds(2), refreshInterval: 0)
        for _ in 0..<2 { _ = try await refreshing.revocationList(at: up, eventLoop: group.next()).get() }
        #expect(refreshing.fetches == 2)
        #expect(crlServer.requests == 3)
        #expect(throws: TLSError(.invalidConfiguration)) {
            try RevocationConfiguration(mode: .hardFail, crlFiles: ["/nonexistent/crl.pem"])
        }

        try await crlServer.stop()
        try await group.shutdownGracefully()
    }
}

/// A port on loopback where nothing listens (bound, then closed).
func unusedPort(group: any EventLoopGroup) async throws -> Int {
    let channel = try await ServerBootstrap(group: group).bind(host: "127.0.0.1", port: 0).get()
    let port = channel.localAddress!.port!
    try await channel.close()
    return port
}

/// A CRL distribution point: answers every GET with the CRL's DER bytes and counts requests.
final class CRLServer: Sendable {
    let channel: any Channel
    private let counter = NIOLockedValueBoxCounter()
    var port: Int { channel.localAddress!.port! }
    var requests: Int { counter.value }

    init(group: any EventLoopGroup, crl: [UInt8]) async throws {
        let counter = self.counter
        channel = try await ServerBootstrap(group: group)
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture {
                    try child.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: false)
                    try child.pipeline.syncOperations.addHandler(CRLResponder(crl: crl, counter: counter))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
    }

    func stop() async throws { try await channel.close() }
}

final class CRLResponder: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart
    let crl: [UInt8]
    let counter: NIOLockedValueBoxCounter

    init(crl: [UInt8], counter: NIOLockedValueBoxCounter) {
        self.crl = crl
        self.counter = counter
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .end = unwrapInboundIn(data) else { return }
        counter.increment()
        var head = HTTPResponseHead(version: .http1_1, status: .ok)
        head.headers.add(name: "Content-Length", value: "\(crl.count)")
        head.headers.add(name: "Content-Type", value: "application/pkix-crl")
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: crl)))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }
}
