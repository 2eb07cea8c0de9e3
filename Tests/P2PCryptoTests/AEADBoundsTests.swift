import P2PCrypto
import Testing

/// The key-length and buffer-size checks ``ChaCha20Poly1305`` and ``AES256GCM`` share: each must refuse
/// with the same code before libsodium touches memory.
@Suite("AEAD size checks")
struct AEADBoundsTests {
    typealias Call = (UnsafeRawBufferPointer, UnsafeMutableRawBufferPointer) throws -> Int

    /// Seal and open of each AEAD this CPU runs, with empty associated data.
    static func aeads() throws -> [(name: String, seal: Call, open: Call)] {
        let secret = SecretBytes(copying: [UInt8](repeating: 0x5A, count: 32))
        let nonce = try AEADNonce(bytes: [UInt8](repeating: 7, count: AEADNonce.byteCount))
        let none = UnsafeRawBufferPointer(start: nil, count: 0)
        let chacha = try ChaCha20Poly1305.Key(secret)
        var result: [(name: String, seal: Call, open: Call)] = [
            (
                "ChaCha20-Poly1305",
                { try ChaCha20Poly1305.seal($0, associatedData: none, nonce: nonce, key: chacha, into: $1) },
                { try ChaCha20Poly1305.open($0, associatedData: none, nonce: nonce, key: chacha, into: $1) }
            )
        ]
        if AES256GCM.isAvailable {
            let aes = try AES256GCM.Key(secret)
            result.append(
                (
                    "AES-256-GCM",
                    { try AES256GCM.seal($0, associatedData: none, nonce: nonce, key: aes, into: $1) },
                    { try AES256GCM.open($0, associatedData: none, nonce: nonce, key: aes, into: $1) }
                ))
        }
        return result
    }

    @Test func keysOfTheWrongLengthAreRefused() {
        for count in [0, 31, 33] {
            let secret = SecretBytes(copying: [UInt8](repeating: 1, count: count))
            #expect(throws: CryptoError(.invalidLength)) { try ChaCha20Poly1305.Key(secret) }
            #expect(throws: CryptoError(.invalidLength)) { try AES256GCM.Key(secret) }
        }
    }

    /// `call` from `input` into a fresh buffer of `outputCount` bytes: the count written and the buffer.
    static func run(_ call: Call, _ input: [UInt8], outputCount: Int) throws -> (count: Int, output: [UInt8]) {
        var output = [UInt8](repeating: 0, count: outputCount)
        let count = try input.withUnsafeBytes { i in try output.withUnsafeMutableBytes { o in try call(i, o) } }
        return (count, output)
    }

    @Test func shortBuffersAreRefusedAndExactOnesRoundTrip() throws {
        let plaintext = [UInt8](repeating: 0x42, count: 10)
        for aead in try Self.aeads() {
            #expect(throws: CryptoError(.outputBufferTooSmall), "\(aead.name)") {
                try Self.run(aead.seal, plaintext, outputCount: plaintext.count + 15)
            }
            let sealed = try Self.run(aead.seal, plaintext, outputCount: plaintext.count + 16)
            #expect(sealed.count == plaintext.count + 16, "\(aead.name)")
            #expect(throws: CryptoError(.authenticationFailed), "\(aead.name)") {
                try Self.run(aead.open, Array(sealed.output.prefix(15)), outputCount: 16)
            }
            #expect(throws: CryptoError(.outputBufferTooSmall), "\(aead.name)") {
                try Self.run(aead.open, sealed.output, outputCount: plaintext.count - 1)
            }
            let opened = try Self.run(aead.open, sealed.output, outputCount: plaintext.count)
            #expect(opened.count == plaintext.count, "\(aead.name)")
            #expect(opened.output == plaintext, "\(aead.name)")
        }
    }
}
