import P2PX509

/// A client and a server ``TLSMemoryPeer`` joined in memory, driven by direct OpenSSL calls with no channel or
/// handler: the bare-OpenSSL baseline that ``TLSHandler`` is measured against, and a self-test of a pair of
/// contexts. Not thread-safe; one per thread.
public final class TLSMemoryPipe {
    /// The most rounds a handshake may take before it is declared stuck.
    public static let maximumHandshakeRounds = 64

    private let client: TLSMemoryPeer
    private let server: TLSMemoryPeer

    /// Joins a new client connection of `clientContext` to a new server connection of `serverContext`.
    public init(client clientContext: TLSContext, server serverContext: TLSContext, hostname: String) throws(TLSError) {
        guard clientContext.role == .client, serverContext.role == .server else {
            throw TLSError(.invalidConfiguration, "need a client and a server context")
        }
        client = try TLSMemoryPeer(context: clientContext, hostname: hostname)
        server = try TLSMemoryPeer(context: serverContext)
    }

    /// Runs the handshake to completion on both sides.
    public func handshake() throws(TLSError) {
        for _ in 0..<Self.maximumHandshakeRounds {
            let clientDone = try client.handshakeStep()
            client.moveCiphertext(to: server)
            let serverDone = try server.handshakeStep()
            server.moveCiphertext(to: client)
            if clientDone, serverDone { return }
        }
        throw TLSError(.noForwardProgress, "handshake did not finish")
    }

    /// Sends `count` writes of `payload` from client to server, one `SSL_write_ex` (one record) each. After every
    /// `writesPerFlush` writes (and after the last) the ciphertext moves to the server, which decrypts all it can:
    /// the bare equivalent of writing to a channel and flushing. Returns the bytes read.
    @discardableResult
    public func transfer(_ payload: [UInt8], count: Int, writesPerFlush: Int = 1) throws(TLSError) -> Int {
        precondition(writesPerFlush > 0, "writesPerFlush must be positive")
        var received = 0
        var written = 0
        while written < count {
            let vector = min(writesPerFlush, count - written)
            for _ in 0..<vector { try client.write(payload) }
            written += vector
            client.moveCiphertext(to: server)
            received += server.readAvailable()
        }
        return received
    }
}
