import COpenSSL
import NIOCore
import P2PX509

/// The result of a non-blocking OpenSSL call (NIOSSL's `AsyncOperationResult`).
enum TLSOperationResult<Value> {
    /// OpenSSL needs more bytes from the network (or has bytes to send) before it can go on.
    case incomplete
    case complete(Value)
    /// The peer sent close_notify.
    case closed
    case failed(TLSError)
}

/// One OpenSSL `SSL` for one channel, fed through a pair of memory BIOs: ciphertext from the network is
/// written into `networkIn`, ciphertext for the network is read from `networkOut`. Loop-bound, not Sendable.
final class TLSConnection {
    /// The most plaintext bytes read per `SSL_read_ex` call.
    static let readChunkSize = TLSConfiguration.maximumRecordSize

    let context: TLSContext
    private let ssl: OpaquePointer
    private let networkIn: OpaquePointer
    private let networkOut: OpaquePointer

    init(context: TLSContext) throws(TLSError) {
        let ssl = try Self.makeSSL(context)
        self.context = context
        self.ssl = ssl
        self.networkIn = SSL_get_rbio(ssl)
        self.networkOut = SSL_get_wbio(ssl)
    }

    /// A new `SSL` of `context` in its role's state, owning a memory BIO for each direction. The caller frees it.
    static func makeSSL(_ context: TLSContext) throws(TLSError) -> OpaquePointer {
        OpenSSLErrorQueue.clear()
        guard let ssl = SSL_new(context.pointer) else { throw TLSError(.invalidConfiguration, OpenSSLErrorQueue.drain()) }
        guard let input = BIO_new(BIO_s_mem()), let output = BIO_new(BIO_s_mem()) else {
            SSL_free(ssl)
            throw TLSError(.invalidConfiguration, "BIO_new")
        }
        // An empty input BIO means "retry later", not end of file.
        _ = COpenSSL_BIO_set_mem_eof_return(input, -1)
        SSL_set_bio(ssl, input, output)  // the SSL now owns both BIOs
        switch context.role {
        case .client: SSL_set_connect_state(ssl)
        case .server: SSL_set_accept_state(ssl)
        }
        return ssl
    }

    deinit { SSL_free(ssl) }

    /// Client only: sends `hostname` as SNI (unless it is an IP address) and verifies the server against it.
    func setExpectedHostname(_ hostname: String) throws(TLSError) {
        OpenSSLErrorQueue.clear()
        let isIPAddress = (try? SubjectAlternativeName.ipAddress(hostname)) != nil
        if isIPAddress {
            guard X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), hostname) == 1 else {
                throw TLSError(.invalidConfiguration, "unusable IP address")
            }
        } else {
            guard COpenSSL_SSL_set_tlsext_host_name(ssl, hostname) == 1, SSL_set1_host(ssl, hostname) == 1 else {
                throw TLSError(.invalidConfiguration, "unusable host name: \(OpenSSLErrorQueue.drain())")
            }
        }
    }

    /// Hands ciphertext from the network to OpenSSL.
    func consumeDataFromNetwork(_ buffer: ByteBuffer) {
        buffer.withUnsafeReadableBytes { bytes in
            guard bytes.count > 0 else { return }
            _ = BIO_write(networkIn, bytes.baseAddress, Int32(bytes.count))
        }
    }

    /// Ciphertext bytes OpenSSL has produced and not yet handed out.
    var pendingOutput: Int { BIO_ctrl_pending(networkOut) }

    /// Appends the `pending` ciphertext bytes (``pendingOutput``, just read) to `buffer`.
    func drainCiphertext(_ pending: Int, into buffer: inout ByteBuffer) {
        guard pending > 0 else { return }
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: pending) { bytes in
            Int(max(0, BIO_read(networkOut, bytes.baseAddress, Int32(pending))))
        }
    }

    /// Whether the peer's close_notify has been read (possibly together with the last data).
    private(set) var peerSentCloseNotify = false

    func doHandshake() -> TLSOperationResult<Void> {
        OpenSSLErrorQueue.clear()
        let result = SSL_do_handshake(ssl)
        if result == 1 { return .complete(()) }
        return classify(result, duringHandshake: true)
    }

    /// Bytes OpenSSL could still turn into plaintext: decrypted but unread, plus ciphertext not yet processed.
    var pendingInput: Int { max(Int(SSL_pending(ssl)), BIO_ctrl_pending(networkIn)) }

    /// Decrypts into `buffer` until OpenSSL has nothing more (bounded by `maximumBytes`). The buffer grows only
    /// by what is pending, so small records do not cost a full-record allocation.
    func readPlaintext(into buffer: inout ByteBuffer, maximumBytes: Int) -> TLSOperationResult<Int> {
        var total = 0
        while total < maximumBytes {
            let available = pendingInput
            if available == 0 { return total > 0 ? .complete(total) : .incomplete }
            OpenSSLErrorQueue.clear()
            var read = 0
            var status: Int32 = 0
            let want = min(available, Self.readChunkSize)
            buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: want) { bytes in
                status = SSL_read_ex(ssl, bytes.baseAddress, min(bytes.count, Self.readChunkSize), &read)
                return status == 1 ? read : 0
            }
            if status == 1 {
                total += read
                continue
            }
            let outcome: TLSOperationResult<Int> = classify(status, duringHandshake: false)
            switch outcome {
            case .incomplete: return total > 0 ? .complete(total) : .incomplete
            case .closed: return total > 0 ? .complete(total) : .closed
            case .failed(let error): return .failed(error)
            case .complete: return .complete(total)
            }
        }
        return .complete(total)
    }

    /// Encrypts all of `plaintext`; the memory BIO grows, so a write never stays partial.
    func writePlaintext(_ plaintext: ByteBuffer) -> TLSOperationResult<Void> {
        guard plaintext.readableBytes > 0 else { return .complete(()) }
        OpenSSLErrorQueue.clear()
        var written = 0
        let status = plaintext.withUnsafeReadableBytes { bytes in
            SSL_write_ex(ssl, bytes.baseAddress, bytes.count, &written)
        }
        if status == 1 { return .complete(()) }
        return classify(status, duringHandshake: false)
    }

    /// Sends close_notify; `.complete` once the peer's close_notify was also seen.
    func doShutdown() -> TLSOperationResult<Void> {
        OpenSSLErrorQueue.clear()
        switch SSL_shutdown(ssl) {
        case 1: return .complete(())
        case 0: return .incomplete
        default:
            let result: TLSOperationResult<Void> = classify(-1, duringHandshake: false)
            if case .failed = result { return result }
            return .incomplete
        }
    }

    /// Whether our close_notify has been produced.
    var sentShutdown: Bool { SSL_get_shutdown(ssl) & SSL_SENT_SHUTDOWN != 0 }

    /// The verified peer chain (leaf first, root last); empty when the peer sent none.
    var verifiedPeerChain: [Certificate] {
        guard let stack = SSL_get0_verified_chain(ssl) else { return [] }
        let count = min(COpenSSL_sk_X509_num(stack), Int32(TLSConfiguration.maximumChainLength + 1))
        return (0..<count).compactMap { COpenSSL_sk_X509_value(stack, $0).map { Certificate(sharing: $0) } }
    }

    var negotiatedVersion: String { String(cString: SSL_get_version(ssl)) }

    var serverName: String? { SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name).map { String(cString: $0) } }

    /// Maps `SSL_get_error` and the error queue to a specific failure.
    private func classify<T>(_ status: Int32, duringHandshake: Bool) -> TLSOperationResult<T> {
        switch SSL_get_error(ssl, status) {
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE: return .incomplete
        case SSL_ERROR_ZERO_RETURN:
            peerSentCloseNotify = true
            return .closed
        default:
            let reason = ERR_GET_REASON(ERR_peek_error())
            let text = OpenSSLErrorQueue.drain()
            return .failed(TLSFailureMapping.error(
                reason: reason, verifyResult: SSL_get_verify_result(ssl), openSSLText: text,
                duringHandshake: duringHandshake))
        }
    }
}
