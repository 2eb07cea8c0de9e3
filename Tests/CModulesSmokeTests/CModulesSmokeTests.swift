import CLZ4
import CNATS
import COpenSSL
import CSodium
import Testing

/// One test per C library: it links, initialises and does one real operation.
@Suite("C modules link and run")
struct CModulesSmokeTests {
    @Test("libsodium initialises and seals a box that opens again")
    func sodium() {
        #expect(sodium_init() >= 0)
        var key = [UInt8](repeating: 0, count: Int(crypto_secretbox_KEYBYTES))
        var nonce = [UInt8](repeating: 0, count: Int(crypto_secretbox_NONCEBYTES))
        CSodium_randombytes(&key, key.count)
        CSodium_randombytes(&nonce, nonce.count)
        let message = Array("hello, network".utf8)
        var sealed = [UInt8](repeating: 0, count: message.count + Int(crypto_secretbox_MACBYTES))
        #expect(crypto_secretbox_easy(&sealed, message, UInt64(message.count), nonce, key) == 0)
        var opened = [UInt8](repeating: 0, count: message.count)
        #expect(crypto_secretbox_open_easy(&opened, sealed, UInt64(sealed.count), nonce, key) == 0)
        #expect(opened == message)
        sealed[0] ^= 1
        #expect(crypto_secretbox_open_easy(&opened, sealed, UInt64(sealed.count), nonce, key) != 0)
    }

    @Test("OpenSSL 3 is linked and computes SHA-256 of 'abc'")
    func openssl() {
        #expect(COpenSSL_OPENSSL_VERSION_MAJOR() == 3)
        #expect(OpenSSL_version_num() >= 0x3000_0000)
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        let input = Array("abc".utf8)
        #expect(EVP_Digest(input, input.count, &digest, &length, EVP_sha256(), nil) == 1)
        let hex = digest.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        #expect(hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let context = SSL_CTX_new(TLS_method())
        #expect(context != nil)
        #expect(COpenSSL_SSL_CTX_set_min_proto_version(context, TLS1_3_VERSION) == 1)
        SSL_CTX_free(context)
    }

    @Test("lz4 round-trips a compressible buffer and rejects a corrupt one")
    func lz4() {
        let input = [UInt8](repeating: 0x41, count: 10_000)
        var compressed = [UInt8](repeating: 0, count: Int(CLZ4_compressBound(Int32(input.count))))
        let written = CLZ4_compress_default(input, &compressed, Int32(input.count), Int32(compressed.count))
        #expect(written > 0 && written < 200)
        var output = [UInt8](repeating: 0, count: input.count)
        let read = CLZ4_decompress_safe(compressed, &output, written, Int32(output.count))
        #expect(read == Int32(input.count))
        #expect(output == input)
        let garbage = [UInt8](repeating: 0xFF, count: 16)
        #expect(CLZ4_decompress_safe(garbage, &output, 16, Int32(output.count)) < 0)
    }

    @Test("nats.c creates options and reports a refused connection as an error, not a crash")
    func nats() {
        var options: OpaquePointer?
        #expect(natsOptions_Create(&options) == NATS_OK)
        defer { natsOptions_Destroy(options) }
        // Port 1 on loopback: nothing listens there, so the connect fails fast.
        #expect(natsOptions_SetURL(options, "nats://127.0.0.1:1") == NATS_OK)
        #expect(natsOptions_SetTimeout(options, 500) == NATS_OK)
        var connection: OpaquePointer?
        let status = natsConnection_Connect(&connection, options)
        #expect(status == NATS_NO_SERVER)
        #expect(String(cString: natsStatus_GetText(status)).isEmpty == false)
    }
}
