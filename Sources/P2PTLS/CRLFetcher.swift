public import Foundation
public import NIOCore
import NIOConcurrencyHelpers
import NIOHTTP1
import NIOPosix
public import P2PX509

/// Fetches CRLs from `http://` distribution points with a tiny NIO HTTP/1.1 client, and caches them until
/// their `nextUpdate` or the refresh interval, whichever comes first. Failed fetches are not cached.
public final class CRLFetcher: RevocationListSource, Sendable {
    /// The largest CRL body accepted.
    public static let maximumResponseSize = CertificateRevocationList.maximumEntries * 64
    /// The most URIs cached.
    public static let maximumCacheEntries = 1_000

    private let group: any EventLoopGroup
    private let timeout: TimeAmount
    private let refreshInterval: TimeInterval
    private let cache = NIOLockedValueBox<[String: (list: CertificateRevocationList, fetched: Date)]>([:])
    private let fetchCount = NIOLockedValueBox(0)

    public init(group: any EventLoopGroup, timeout: TimeAmount = .seconds(5), refreshInterval: TimeInterval = 3600) {
        self.group = group
        self.timeout = timeout
        self.refreshInterval = refreshInterval
    }

    /// How many HTTP fetches were made (cache misses and refreshes).
    public var fetches: Int { fetchCount.withLockedValue { $0 } }

    public func revocationList(at uri: String, eventLoop: any EventLoop) -> EventLoopFuture<CertificateRevocationList> {
        let now = Date()
        if let cached = cache.withLockedValue({ $0[uri] }), !cached.list.isStale(at: now),
            now.timeIntervalSince(cached.fetched) < refreshInterval
        {
            return eventLoop.makeSucceededFuture(cached.list)
        }
        fetchCount.withLockedValue { $0 += 1 }
        return fetch(uri, eventLoop: eventLoop).map { list in
            self.cache.withLockedValue { cache in
                if cache.count >= Self.maximumCacheEntries { cache.removeAll() }
                cache[uri] = (list, Date())
            }
            return list
        }
    }

    private struct Target {
        let host: String
        let port: Int
        let path: String
    }

    private static func parse(_ uri: String) -> Target? {
        guard uri.hasPrefix("http://") else { return nil }
        let rest = uri.dropFirst("http://".count)
        let authority = rest.prefix { $0 != "/" }
        let path = rest.dropFirst(authority.count)
        let parts = authority.split(separator: ":", maxSplits: 1)
        guard let host = parts.first, !host.isEmpty else { return nil }
        let port = parts.count == 2 ? Int(parts[1]) : 80
        guard let port, (1...65535).contains(port) else { return nil }
        return Target(host: String(host), port: port, path: path.isEmpty ? "/" : String(path))
    }

    private func fetch(_ uri: String, eventLoop: any EventLoop) -> EventLoopFuture<CertificateRevocationList> {
        guard let target = Self.parse(uri) else {
            return eventLoop.makeFailedFuture(TLSError(.revocationStatusUnavailable, "not an http:// URI"))
        }
        let promise = eventLoop.makePromise(of: [UInt8].self)
        let timeout = self.timeout
        ClientBootstrap(group: eventLoop)
            .connectTimeout(timeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(CRLResponseHandler(promise: promise))
                }
            }
            .connect(host: target.host, port: target.port)
            .whenComplete { result in
                switch result {
                case .failure(let error): promise.fail(error)
                case .success(let channel):
                    var head = HTTPRequestHead(version: .http1_1, method: .GET, uri: target.path)
                    head.headers.add(name: "Host", value: target.host)
                    head.headers.add(name: "Connection", value: "close")
                    channel.write(HTTPClientRequestPart.head(head), promise: nil)
                    channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
                    let timer = channel.eventLoop.scheduleTask(in: timeout) {
                        promise.fail(TLSError(.revocationStatusUnavailable, "CRL fetch timed out"))
                    }
                    promise.futureResult.whenComplete { _ in
                        timer.cancel()
                        channel.close(promise: nil)
                    }
                }
            }
        return promise.futureResult.flatMapThrowing { bytes in
            try CertificateRevocationList(pemOrDER: bytes)
        }
    }
}

/// Collects one HTTP response body (bounded) and completes the promise with it on a 200.
private final class CRLResponseHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart

    private let promise: EventLoopPromise<[UInt8]>
    private var status: HTTPResponseStatus = .ok
    private var body: [UInt8] = []

    init(promise: EventLoopPromise<[UInt8]>) { self.promise = promise }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            status = head.status
        case .body(var buffer):
            guard body.count + buffer.readableBytes <= CRLFetcher.maximumResponseSize else {
                promise.fail(TLSError(.revocationStatusUnavailable, "CRL too large"))
                context.close(promise: nil)
                return
            }
            body += buffer.readBytes(length: buffer.readableBytes) ?? []
        case .end:
            if status == .ok {
                promise.succeed(body)
            } else {
                promise.fail(TLSError(.revocationStatusUnavailable, "CRL endpoint answered \(status.code)"))
            }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(TLSError(.revocationStatusUnavailable, "CRL endpoint closed the connection"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise.fail(error)
        context.close(promise: nil)
    }
}
