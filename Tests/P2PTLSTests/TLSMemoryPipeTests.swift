import NIOCore
import NIOEmbedded
import P2PTLS
import P2PX509
import Testing

@Suite("The bare OpenSSL memory-BIO pipe (benchmark baseline)")
struct TLSMemoryPipeTests {
    @Test("it handshakes with ECDSA and RSA identities and carries every byte", arguments: [KeyAlgorithm.ecP256, .rsa(bits: 2048)])
    func pipe(algorithm: KeyAlgorithm) throws {
        let credentials = try TestCredentials(algorithm: algorithm)
        let server = try TLSContext(
            role: .server,
            configuration: TLSConfiguration(identities: [try credentials.identity(["pipe.example"], algorithm: algorithm)]))
        let client = try TLSContext(role: .client, configuration: TLSConfiguration(trustRoots: [credentials.root]))
        let pipe = try TLSMemoryPipe(client: client, server: server, hostname: "pipe.example")
        try pipe.handshake()
        #expect(try pipe.transfer([UInt8](repeating: 1, count: 16_384), count: 8) == 8 * 16_384)
        // Several writes per flush, including a last vector shorter than the others (19 = 4 × 4 + 3).
        #expect(try pipe.transfer([UInt8](repeating: 2, count: 1024), count: 19, writesPerFlush: 4) == 19 * 1024)
        #expect(try pipe.transfer([UInt8](repeating: 3, count: 1024), count: 64, writesPerFlush: 64) == 64 * 1024)
        let wrongHost = try TLSMemoryPipe(client: client, server: server, hostname: "other.example")
        #expect(throws: TLSError(.handshakeFailed)) { try wrongHost.handshake() }
    }
}

@Suite("TLSHandler facing a bare OpenSSL peer (the fair benchmark's setup)")
struct TLSHandlerFacingBarePeerTests {
    @Test("a client handler and a bare OpenSSL server carry 1 KB and 16 KB writes both ways, promises complete")
    func bothWays() throws {
        let credentials = try TestCredentials()
        let server = try TLSContext(
            role: .server, configuration: TLSConfiguration(identities: [try credentials.identity(["peer.example"])]))
        let client = try TLSContext(role: .client, configuration: TLSConfiguration(trustRoots: [credentials.root]))
        let logs = CapturedLogs()
        let peer = try TLSMemoryPeer(context: server)
        let channel = EmbeddedChannel()
        let recorder = ConnectionRecorder()
        try channel.pipeline.syncOperations.addHandlers([
            try TLSHandler(context: client, serverHostname: "peer.example", logger: logs.logger), recorder,
        ])
        _ = try channel.connect(to: try SocketAddress(ipAddress: "127.0.0.1", port: 443)).wait()
        var ciphertext = ByteBuffer()
        var peerDone = false
        for _ in 0..<TLSMemoryPipe.maximumHandshakeRounds where !(peerDone && recorder.handshakeCompleted) {
            while let bytes = try channel.readOutbound(as: ByteBuffer.self) { peer.receiveCiphertext(bytes) }
            peerDone = try peer.handshakeStep()
            ciphertext.clear()
            peer.sendCiphertext(into: &ciphertext)
            if ciphertext.readableBytes > 0 { try channel.writeInbound(ciphertext) }
        }
        #expect(peerDone && recorder.handshakeCompleted)

        var plaintext = ByteBuffer()
        for size in [1024, 16_384] {
            let completed = NIOLockedValueBoxCounter()
            for _ in 0..<3 {
                channel.write(ByteBuffer(repeating: 0x42, count: size)).whenSuccess { completed.increment() }
            }
            channel.flush()
            while let bytes = try channel.readOutbound(as: ByteBuffer.self) { peer.receiveCiphertext(bytes) }
            plaintext.clear()
            var received = 0
            for _ in 0..<8 { received += peer.readAvailable(into: &plaintext) }
            #expect(received == 3 * size)
            #expect(plaintext.readableBytesView.allSatisfy { $0 == 0x42 })
            #expect(completed.value == 3)

            try peer.write([UInt8](repeating: 0x43, count: size))
            ciphertext.clear()
            peer.sendCiphertext(into: &ciphertext)
            try channel.writeInbound(ciphertext)
        }
        #expect(recorder.received.count == 1024 + 16_384)
        #expect(recorder.errors.isEmpty)
        channel.close(promise: nil)  // close_notify; the peer never answers, so the close timer ends it
        channel.embeddedEventLoop.advanceTime(by: .seconds(60))
        #expect(recorder.isInactive)
        _ = try? channel.finish(acceptAlreadyClosed: true)
    }
}
