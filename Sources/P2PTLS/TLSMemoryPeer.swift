import COpenSSL
public import NIOCore
import P2PX509

/// One end of a TLS connection driven by direct OpenSSL calls over a pair of memory BIOs, with no channel and no
/// handler: the bare-OpenSSL side of the benchmarks. Two of them make a ``TLSMemoryPipe``; one of them facing a
/// ``TLSHandler`` measures the handler against bare OpenSSL with the same peer on the other end.
/// Not thread-safe; one per thread.
public final class TLSMemoryPeer {
    /// The bytes moved per `BIO_read` and decrypted per `SSL_read_ex` (one maximum-size record fits).
    public static let scratchSize = 64 * 1024

    let ssl: OpaquePointer
    /// Held so the context (whose certificate callback the `SSL` calls into) outlives the peer.
    private let context: TLSContext
    private var scratch = [UInt8](repeating: 0, count: scratchSize)

    /// A new connection of `context`; a client sends `hostname` as SNI and verifies the server against it.
    public init(context: TLSContext, hostname: String? = nil) throws(TLSError) {
        let ssl = try TLSConnection.makeSSL(context)
        self.ssl = ssl
        self.context = context
        if context.role == .client, let hostname {
            _ = COpenSSL_SSL_set_tlsext_host_name(ssl, hostname)
            _ = SSL_set1_host(ssl, hostname)
        }
    }

    deinit { SSL_free(ssl) }

    /// One `SSL_do_handshake`; whether the handshake is complete. Throws when OpenSSL failed it.
    public func handshakeStep() throws(TLSError) -> Bool {
        OpenSSLErrorQueue.clear()
        let status = SSL_do_handshake(ssl)
        if status == 1 { return true }
        if SSL_get_error(ssl, status) == SSL_ERROR_SSL { throw TLSError(.handshakeFailed, OpenSSLErrorQueue.drain()) }
        return false
    }

    /// Moves every pending ciphertext byte to `peer`'s input through a scratch array; returns how many moved.
    @discardableResult
    func moveCiphertext(to peer: TLSMemoryPeer) -> Int {
        let output = SSL_get_wbio(ssl)
        let input = SSL_get_rbio(peer.ssl)
        var moved = 0
        while true {
            let count = scratch.withUnsafeMutableBytes { BIO_read(output, $0.baseAddress, Int32($0.count)) }
            guard count > 0 else { return moved }
            _ = scratch.withUnsafeBytes { BIO_write(input, $0.baseAddress, count) }
            moved += Int(count)
        }
    }

    /// Hands ciphertext from the other end to OpenSSL.
    public func receiveCiphertext(_ buffer: ByteBuffer) {
        buffer.withUnsafeReadableBytes { bytes in
            guard bytes.count > 0 else { return }
            _ = BIO_write(SSL_get_rbio(ssl), bytes.baseAddress, Int32(bytes.count))
        }
    }

    /// Appends all pending ciphertext to `buffer`.
    public func sendCiphertext(into buffer: inout ByteBuffer) {
        let output = SSL_get_wbio(ssl)
        let pending = BIO_ctrl_pending(output)
        guard pending > 0 else { return }
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: pending) { bytes in
            Int(max(0, BIO_read(output, bytes.baseAddress, Int32(pending))))
        }
    }

    /// Encrypts `payload` in one `SSL_write_ex`.
    public func write(_ payload: [UInt8]) throws(TLSError) {
        try check(payload.withUnsafeBytes { write($0) })
    }

    /// Encrypts the readable bytes of `plaintext` in one `SSL_write_ex`.
    public func write(_ plaintext: ByteBuffer) throws(TLSError) {
        try check(plaintext.withUnsafeReadableBytes { write($0) })
    }

    private func write(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var written = 0
        return SSL_write_ex(ssl, bytes.baseAddress, bytes.count, &written) == 1
    }

    private func check(_ written: Bool) throws(TLSError) {
        if !written { throw TLSError(.writeFailed, OpenSSLErrorQueue.drain()) }
    }

    /// Decrypts everything OpenSSL can decrypt now, discarding the plaintext; returns how many bytes that was.
    public func readAvailable() -> Int {
        var received = 0
        while true {
            var read = 0
            let status = scratch.withUnsafeMutableBytes { SSL_read_ex(ssl, $0.baseAddress, $0.count, &read) }
            guard status == 1 else { return received }
            received += read
        }
    }

    /// Decrypts into `buffer` what OpenSSL can decrypt now, up to `scratchSize` bytes; returns how many.
    @discardableResult
    public func readAvailable(into buffer: inout ByteBuffer) -> Int {
        var received = 0
        while received < Self.scratchSize {
            var status: Int32 = 0
            received += buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: TLSConfiguration.maximumRecordSize) {
                var read = 0
                status = SSL_read_ex(ssl, $0.baseAddress, $0.count, &read)
                return status == 1 ? read : 0
            }
            guard status == 1 else { return received }
        }
        return received
    }
}
