public import Logging
public import NIOCore
import NIOTLS
import P2PX509

/// A SwiftNIO channel handler running TLS through OpenSSL, after swift-nio-ssl's `NIOSSLHandler`: ciphertext
/// below, plaintext above. Create one per channel, inside the channel initializer.
///
/// - Writes are buffered until flushed, then encrypted together and sent in one network write.
/// - Writes made before the handshake completes wait for it; application data that arrives together with the
///   peer's Finished is decoded as soon as the handshake completes.
/// - `close` sends close_notify and waits up to the configured time for the peer's.
/// - A connection that ends without close_notify after the handshake reports ``TLSError/Code/uncleanShutdown``.
/// - Every failure is logged (info level) with its code and reason, fired as a ``TLSError``, and closes the channel.
public final class TLSHandler: ChannelDuplexHandler, RemovableChannelHandler {
    public typealias InboundIn = ByteBuffer
    public typealias InboundOut = ByteBuffer
    public typealias OutboundIn = ByteBuffer
    public typealias OutboundOut = ByteBuffer

    /// The most plaintext bytes decoded per network read before they are passed on.
    public static let maximumPlaintextPerRead = 1 << 20
    /// The most writes encrypted per flush (NIOSSL's forward-progress guard).
    public static let maximumWritesPerFlush = 1 << 16
    /// The largest read or write buffer kept for reuse between network reads and writes.
    public static let maximumPreservedBufferCapacity = 64 * 1024
    /// The most `maximumPlaintextPerRead` batches decoded from one network read.
    static let maximumDecodeRounds = 1 << 16

    private var state: TLSHandlerState = .idle
    private let connection: TLSConnection
    private let logger: Logger
    private let revocation: RevocationChecker?
    private var handshakeTimeout: Scheduled<Void>?
    private var bufferedWrites = MarkedCircularBuffer<BufferedWrite>(initialCapacity: 16)
    private var plaintextReadBuffer: ByteBuffer?
    private var outboundBuffer: ByteBuffer?
    private var closePromise: EventLoopPromise<Void>?
    private var receivedCloseNotify = false

    private struct BufferedWrite {
        let data: ByteBuffer
        let promise: EventLoopPromise<Void>?
    }

    /// A handler for a connection made from `context`. A client must name the server it expects: the name is
    /// sent as SNI (unless it is an IP address) and the server's certificate must match it.
    public init(context: TLSContext, serverHostname: String? = nil, logger: Logger) throws(TLSError) {
        connection = try context.makeConnection()
        if context.role == .client {
            guard let serverHostname, !serverHostname.isEmpty else {
                throw TLSError(.invalidConfiguration, "a client needs the server's host name")
            }
            try connection.setExpectedHostname(serverHostname)
        }
        self.logger = logger
        let revocation = context.configuration.revocation
        self.revocation = revocation.mode == .off ? nil : RevocationChecker(configuration: revocation)
    }

    /// Where the handler is in its life (for tests and diagnostics).
    public var stateName: String { state.name }

    // MARK: - Lifecycle

    public func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { startHandshake(context: context) }
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        cancelTimers()
        failBufferedWrites(TLSError(.writeAfterClose, "handler removed"))
    }

    public func channelActive(context: ChannelHandlerContext) {
        context.fireChannelActive()
        startHandshake(context: context)
    }

    public func channelInactive(context: ChannelHandlerContext) {
        let previous = state
        cancelTimers()
        state = .closed
        failBufferedWrites(TLSError(.writeAfterClose, "connection closed"))
        switch previous {
        case .handshaking, .verifying:
            report(TLSError(.eofDuringHandshake), context: context)
        case .active where !receivedCloseNotify:
            report(TLSError(.uncleanShutdown, "TCP closed without close_notify: the data may be truncated"), context: context)
        case .closing:
            let promise = closePromise
            closePromise = nil
            promise?.succeed()
        case .idle, .active, .closed:
            break
        }
        context.fireChannelInactive()
    }

    // MARK: - Handshake

    private func startHandshake(context: ChannelHandlerContext) {
        guard case .idle = state else { return }
        state = .handshaking
        let timeout = connection.context.configuration.handshakeTimeout
        handshakeTimeout = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) {
            self.fail(TLSError(.handshakeTimeout, "no handshake within \(timeout)"), context: context)
        }
        doHandshakeStep(context: context)
    }

    private func doHandshakeStep(context: ChannelHandlerContext) {
        switch connection.doHandshake() {
        case .incomplete:
            writeDataToNetwork(context: context, promise: nil)
        case .complete:
            writeDataToNetwork(context: context, promise: nil)
            beginVerification(context: context)
        case .failed(let error):
            fail(error, context: context)
        case .closed:
            fail(TLSError(.eofDuringHandshake, "close_notify during the handshake"), context: context)
        }
    }

    /// After OpenSSL verified the chain (and host name): the revocation check, which may fetch CRLs.
    private func beginVerification(context: ChannelHandlerContext) {
        let chain = connection.verifiedPeerChain
        guard let revocation, chain.count > 1 else {
            completeHandshake(context: context)
            return
        }
        state = .verifying
        revocation.check(chain: chain, eventLoop: context.eventLoop)
            .hop(to: context.eventLoop).assumeIsolated().whenComplete { result in
                guard case .verifying = self.state else { return }
                switch result {
                case .success(.good):
                    self.completeHandshake(context: context)
                case .success(.revoked(let serial)):
                    self.fail(TLSError(.certificateRevoked, "serial \(serial)"), context: context)
                case .success(.unavailable(let reason)):
                    if revocation.mode == .softFail {
                        self.logger.info(
                            "TLS revocation status unavailable; accepted under SOFT_FAIL",
                            metadata: ["tls.reason": "\(reason)"])
                        self.completeHandshake(context: context)
                    } else {
                        self.fail(TLSError(.revocationStatusUnavailable, reason), context: context)
                    }
                case .failure(let error):
                    self.fail(TLSError(.revocationStatusUnavailable, "\(error)"), context: context)
                }
            }
    }

    private func completeHandshake(context: ChannelHandlerContext) {
        handshakeTimeout?.cancel()
        handshakeTimeout = nil
        state = .active
        logger.debug(
            "TLS handshake completed",
            metadata: ["tls.version": "\(connection.negotiatedVersion)", "tls.sni": "\(connection.serverName ?? "")"])
        context.fireUserInboundEventTriggered(TLSUserEvent.handshakeCompleted(negotiatedProtocol: nil))
        // Application data may have arrived together with the peer's Finished.
        doDecodeData(context: context)
        if doFlushReadData(context: context) { context.fireChannelReadComplete() }
        unbufferWrites(context: context)
    }

    // MARK: - Reading

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        switch state {
        case .idle:
            connection.consumeDataFromNetwork(buffer)
            startHandshake(context: context)
        case .handshaking:
            connection.consumeDataFromNetwork(buffer)
            doHandshakeStep(context: context)
        case .verifying:
            connection.consumeDataFromNetwork(buffer)  // decoded once the check passes
        case .active:
            connection.consumeDataFromNetwork(buffer)
            doDecodeData(context: context)
        case .closing:
            connection.consumeDataFromNetwork(buffer)
            doDecodeData(context: context)
            if case .closing = state { doShutdownStep(context: context) }
        case .closed:
            break
        }
    }

    public func channelReadComplete(context: ChannelHandlerContext) {
        let produced = doFlushReadData(context: context)
        // Reading can produce output: alerts, TLS 1.3 KeyUpdate responses.
        if case .closed = state {} else { writeDataToNetwork(context: context, promise: nil) }
        if !produced, context.channel.isActive,
            let autoRead = try? context.channel.syncOptions?.getOption(ChannelOptions.autoRead), !autoRead
        {
            // Nothing reached the reader, so it will not ask for more: ask on its behalf or reading stalls.
            context.read()
        }
        context.fireChannelReadComplete()
    }

    /// Decrypts what OpenSSL holds into `plaintextReadBuffer`; handles the peer's close_notify and failures.
    /// Every `maximumPlaintextPerRead` bytes the plaintext is passed on, so memory stays bounded.
    private func doDecodeData(context: ChannelHandlerContext) {
        for _ in 0..<Self.maximumDecodeRounds {
            var buffer = plaintextReadBuffer
                ?? context.channel.allocator.buffer(capacity: min(connection.pendingInput, TLSConnection.readChunkSize))
            plaintextReadBuffer = nil  // one reference while OpenSSL writes into it
            let result = connection.readPlaintext(into: &buffer, maximumBytes: Self.maximumPlaintextPerRead)
            if case .active = state { plaintextReadBuffer = buffer }
            switch result {
            case .complete where buffer.readableBytes >= Self.maximumPlaintextPerRead:
                _ = doFlushReadData(context: context)  // more may be waiting
                continue
            case .incomplete, .complete:
                if connection.peerSentCloseNotify { fallthrough }  // data and close_notify in one read
                return
            case .closed:
                receivedCloseNotify = true
                if case .active = state {
                    _ = doFlushReadData(context: context)
                    beginClose(context: context, promise: nil)
                }
                return
            case .failed(let error):
                fail(error, context: context)
                return
            }
        }
        fail(TLSError(.noForwardProgress, "decoding did not finish"), context: context)
    }

    /// Passes decoded plaintext on in one `channelRead`. Returns whether there was any. When the reader lets go
    /// of the buffer its storage is kept for the next read (like NIOSSL), up to a bounded capacity.
    private func doFlushReadData(context: ChannelHandlerContext) -> Bool {
        guard var buffer = plaintextReadBuffer, buffer.readableBytes > 0 else { return false }
        plaintextReadBuffer = nil
        context.fireChannelRead(wrapInboundOut(buffer))
        if plaintextReadBuffer == nil, buffer.capacity <= Self.maximumPreservedBufferCapacity, case .active = state {
            buffer.clear()  // reallocates only if the reader kept a reference
            plaintextReadBuffer = buffer
        }
        return true
    }

    // MARK: - Writing

    public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch state {
        case .closing, .closed:
            promise?.fail(TLSError(.writeAfterClose))
        case .idle, .handshaking, .verifying, .active:
            bufferedWrites.append(BufferedWrite(data: unwrapOutboundIn(data), promise: promise))
        }
    }

    public func flush(context: ChannelHandlerContext) {
        bufferedWrites.mark()
        if case .active = state { unbufferWrites(context: context) }
        // Before the handshake completes the mark only remembers the flush.
    }

    /// Encrypts every flushed write and sends all the ciphertext in one write, completing their promises together.
    /// The first promise goes with the network write; any others follow it, so a flush of writes without
    /// promises, or with one, allocates nothing here.
    private func unbufferWrites(context: ChannelHandlerContext) {
        var promise: EventLoopPromise<Void>?
        var count = 0
        while bufferedWrites.hasMark, count < Self.maximumWritesPerFlush {
            let write = bufferedWrites.removeFirst()
            count += 1
            if let next = write.promise {
                if let promise { promise.futureResult.cascade(to: next) } else { promise = next }
            }
            if case .failed(let error) = connection.writePlaintext(write.data) {
                promise?.fail(error)
                fail(TLSError(.writeFailed, error.detail), context: context)
                return
            }
        }
        if bufferedWrites.hasMark {
            // More than the bound in one flush: send what is encrypted and continue on the next loop tick.
            context.eventLoop.assumeIsolated().execute { if case .active = self.state { self.unbufferWrites(context: context) } }
        }
        guard count > 0 else { return }
        writeDataToNetwork(context: context, promise: promise)
    }

    /// Sends whatever ciphertext OpenSSL produced. A promise with no bytes gets a zero-length write, which keeps
    /// promises completing in order.
    private func writeDataToNetwork(context: ChannelHandlerContext, promise: EventLoopPromise<Void>?) {
        let pending = connection.pendingOutput
        if pending > 0 {
            var buffer = outboundBuffer ?? context.channel.allocator.buffer(capacity: pending)
            outboundBuffer = nil
            buffer.clear()  // reuses the last write's storage once the channel has let go of it
            connection.drainCiphertext(pending, into: &buffer)
            if buffer.capacity <= Self.maximumPreservedBufferCapacity { outboundBuffer = buffer }
            context.writeAndFlush(wrapOutboundOut(buffer), promise: promise)
        } else if let promise {
            context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(capacity: 0)), promise: promise)
        }
    }

    private func failBufferedWrites(_ error: TLSError) {
        while !bufferedWrites.isEmpty {
            bufferedWrites.removeFirst().promise?.fail(error)
        }
    }

    // MARK: - Closing

    public func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        guard mode == .all else {
            promise?.fail(ChannelError.operationUnsupported)
            return
        }
        switch state {
        case .closing:
            // A second close shares the first one's outcome.
            if let promise {
                if let closePromise { closePromise.futureResult.cascade(to: promise) } else { closePromise = promise }
            }
        case .closed:
            context.close(mode: mode, promise: promise)
        case .idle, .handshaking, .verifying:
            state = .closed
            cancelTimers()
            failBufferedWrites(TLSError(.writeAfterClose, "closed before the handshake completed"))
            context.close(mode: mode, promise: promise)
        case .active:
            beginClose(context: context, promise: promise)
        }
    }

    /// Sends close_notify and waits for the peer's, bounded by the close timeout.
    private func beginClose(context: ChannelHandlerContext, promise: EventLoopPromise<Void>?) {
        failBufferedWrites(TLSError(.writeAfterClose, "closed before the write was flushed"))
        closePromise = promise
        let timeout = connection.context.configuration.closeTimeout
        let scheduled = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) {
            guard case .closing = self.state else { return }
            self.report(TLSError(.closeTimeout, "no close_notify within \(timeout)"), context: context)
            self.finishClose(context: context)
        }
        state = .closing(scheduled)
        doShutdownStep(context: context)
    }

    private func doShutdownStep(context: ChannelHandlerContext) {
        switch connection.doShutdown() {
        case .incomplete, .closed:
            writeDataToNetwork(context: context, promise: nil)
        case .complete:
            writeDataToNetwork(context: context, promise: nil)
            context.fireUserInboundEventTriggered(TLSUserEvent.shutdownCompleted)
            finishClose(context: context)
        case .failed(let error):
            writeDataToNetwork(context: context, promise: nil)
            logger.debug("TLS shutdown failed", metadata: ["tls.reason": "\(error.detail)"])
            finishClose(context: context)
        }
    }

    private func finishClose(context: ChannelHandlerContext) {
        cancelTimers()
        state = .closed
        let promise = closePromise
        closePromise = nil
        context.close(mode: .all, promise: promise)
    }

    // MARK: - Failures

    /// Logs and fires `error`, then closes the channel (after sending any alert OpenSSL produced).
    private func fail(_ error: TLSError, context: ChannelHandlerContext) {
        if case .closed = state { return }
        writeDataToNetwork(context: context, promise: nil)
        cancelTimers()
        state = .closed
        failBufferedWrites(error)
        report(error, context: context)
        let promise = closePromise
        closePromise = nil
        context.close(mode: .all, promise: promise)
    }

    private func report(_ error: TLSError, context: ChannelHandlerContext) {
        logger.info(
            "TLS connection failed",
            metadata: [
                "tls.error.code": "\(error.code.rawValue)", "tls.error": "\(error.code.name)",
                "tls.reason": "\(error.detail)", "tls.peer": "\(context.channel.remoteAddress?.description ?? "?")",
            ])
        context.fireErrorCaught(error)
    }

    private func cancelTimers() {
        handshakeTimeout?.cancel()
        handshakeTimeout = nil
        if case .closing(let scheduled) = state { scheduled.cancel() }
    }
}

@available(*, unavailable)
extension TLSHandler: Sendable {}
