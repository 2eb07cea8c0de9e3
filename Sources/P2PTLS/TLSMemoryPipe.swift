import COpenSSL
import P2PX509

/// A client and a server `SSL` joined by memory BIOs, driven by direct OpenSSL calls with no channel or
/// handler: the bare-OpenSSL baseline that ``TLSHandler`` is measured against, and a self-test of a pair of
/// contexts. Not thread-safe; one per thread.
public final class TLSMemoryPipe {
    /// The most rounds a handshake may take before it is declared stuck.
    public static let maximumHandshakeRounds = 64

    private let client: OpaquePointer
    private let server: OpaquePointer
    /// Held so the contexts (whose certificate callback the `SSL`s call into) outlive the pipe.
    private let contexts: (client: TLSContext, server: TLSContext)
    private var scratch = [UInt8](repeating: 0, count: 64 * 1024)

    /// Joins a new client connection of `clientContext` to a new server connection of `serverContext`.
    public init(client clientContext: TLSContext, server serverContext: TLSContext, hostname: String) throws(TLSError) {
        guard clientContext.role == .client, serverContext.role == .server else {
            throw TLSError(.invalidConfiguration, "need a client and a server context")
        }
        guard let client = SSL_new(clientContext.pointer), let server = SSL_new(serverContext.pointer) else {
            throw TLSError(.invalidConfiguration, "SSL_new")
        }
        self.client = client
        self.server = server
        self.contexts = (clientContext, serverContext)
        for ssl in [client, server] {
            let input = BIO_new(BIO_s_mem())!
            _ = COpenSSL_BIO_set_mem_eof_return(input, -1)
            SSL_set_bio(ssl, input, BIO_new(BIO_s_mem()))
        }
        SSL_set_connect_state(client)
        SSL_set_accept_state(server)
        _ = COpenSSL_SSL_set_tlsext_host_name(client, hostname)
        _ = SSL_set1_host(client, hostname)
    }

    deinit {
        SSL_free(client)
        SSL_free(server)
    }

    /// Moves every pending ciphertext byte from `from` to `to`; returns how many moved.
    @discardableResult
    private func move(from: OpaquePointer, to: OpaquePointer) -> Int {
        let output = SSL_get_wbio(from)
        let input = SSL_get_rbio(to)
        var moved = 0
        while true {
            let count = scratch.withUnsafeMutableBytes { BIO_read(output, $0.baseAddress, Int32($0.count)) }
            guard count > 0 else { return moved }
            _ = scratch.withUnsafeBytes { BIO_write(input, $0.baseAddress, count) }
            moved += Int(count)
        }
    }

    /// Runs the handshake to completion on both sides.
    public func handshake() throws(TLSError) {
        for _ in 0..<Self.maximumHandshakeRounds {
            OpenSSLErrorQueue.clear()
            let clientDone = SSL_do_handshake(client) == 1
            move(from: client, to: server)
            let serverDone = SSL_do_handshake(server) == 1
            move(from: server, to: client)
            if clientDone, serverDone { return }
            if SSL_get_error(client, -1) == SSL_ERROR_SSL || SSL_get_error(server, -1) == SSL_ERROR_SSL {
                throw TLSError(.handshakeFailed, OpenSSLErrorQueue.drain())
            }
        }
        throw TLSError(.noForwardProgress, "handshake did not finish")
    }

    /// Sends `count` writes of `payload` from client to server, reading each on the server; returns bytes read.
    @discardableResult
    public func transfer(_ payload: [UInt8], count: Int) throws(TLSError) -> Int {
        var received = 0
        var sink = [UInt8](repeating: 0, count: 16_384)
        for _ in 0..<count {
            var written = 0
            guard payload.withUnsafeBytes({ SSL_write_ex(client, $0.baseAddress, $0.count, &written) }) == 1 else {
                throw TLSError(.writeFailed, OpenSSLErrorQueue.drain())
            }
            move(from: client, to: server)
            while true {
                var read = 0
                let status = sink.withUnsafeMutableBytes { SSL_read_ex(server, $0.baseAddress, $0.count, &read) }
                guard status == 1 else { break }
                received += read
            }
        }
        return received
    }
}
