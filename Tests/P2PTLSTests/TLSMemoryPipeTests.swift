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
        let wrongHost = try TLSMemoryPipe(client: client, server: server, hostname: "other.example")
        #expect(throws: TLSError(.handshakeFailed)) { try wrongHost.handshake() }
    }
}
