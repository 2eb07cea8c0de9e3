import CSodium
import Foundation
public import P2PCrypto

/// A secret sealed under a ``ClusterKey`` with libsodium `crypto_secretbox_easy`
/// (XSalsa20-Poly1305, a fresh random 24-byte nonce per box). What the bus stores instead of a
/// private key.
public struct SealedBox: Codable, Hashable, Sendable {
    public static let algorithmName = "xsalsa20poly1305"
    public static let nonceByteCount = 24
    public static let tagByteCount = 16
    /// The largest secret we seal (a PKCS#8 RSA-4096 key is about 2.4 KB).
    public static let maximumPlaintextBytes = 8 * 1024

    /// Always `xsalsa20poly1305`.
    public var algorithm: String
    /// ``ClusterKey/keyID`` of the key that sealed this box.
    public var clusterKeyId: String
    /// Base64 of the 24-byte nonce.
    public var nonce: String
    /// Base64 of the 16-byte tag followed by the ciphertext.
    public var ciphertext: String
}

extension ClusterKey {
    static let initialized: Bool = CSodium_init() >= 0

    /// Seals `plaintext` (at most ``SealedBox/maximumPlaintextBytes``).
    public func seal(_ plaintext: UnsafeRawBufferPointer) throws(MembershipError) -> SealedBox {
        precondition(Self.initialized, "sodium_init failed")
        guard plaintext.count <= SealedBox.maximumPlaintextBytes else {
            throw MembershipError(.inputTooLarge, "secret of \(plaintext.count) bytes, more than \(SealedBox.maximumPlaintextBytes)")
        }
        var nonce = [UInt8](repeating: 0, count: SealedBox.nonceByteCount)
        nonce.withUnsafeMutableBytes { CSodium_randombytes($0.baseAddress, $0.count) }
        var sealed = [UInt8](repeating: 0, count: plaintext.count + SealedBox.tagByteCount)
        let result = sealed.withUnsafeMutableBytes { out in
            secret.withUnsafeBytes { key in
                CSodium_secretbox_seal(out.baseAddress, plaintext.baseAddress, plaintext.count, nonce, key.baseAddress)
            }
        }
        precondition(result == 0, "crypto_secretbox_easy failed")
        return SealedBox(
            algorithm: SealedBox.algorithmName, clusterKeyId: keyID, nonce: Data(nonce).base64EncodedString(),
            ciphertext: Data(sealed).base64EncodedString())
    }

    /// Opens `box`. A box sealed under another key fails with `wrongClusterKey` (by its key id,
    /// before any decryption); a changed box fails with `unsealFailed`.
    public func open(_ box: SealedBox) throws(MembershipError) -> SecretBytes {
        precondition(Self.initialized, "sodium_init failed")
        guard box.algorithm == SealedBox.algorithmName else {
            throw MembershipError(.unsealFailed, "unknown sealing algorithm \(box.algorithm.prefix(32))")
        }
        guard box.clusterKeyId == keyID else {
            throw MembershipError(
                .wrongClusterKey,
                "the key was sealed under cluster key \(box.clusterKeyId.prefix(32)), but the cluster key given is \(keyID)")
        }
        guard let nonce = Data(base64Encoded: box.nonce), nonce.count == SealedBox.nonceByteCount,
            let sealed = Data(base64Encoded: box.ciphertext), sealed.count >= SealedBox.tagByteCount,
            sealed.count <= SealedBox.maximumPlaintextBytes + SealedBox.tagByteCount
        else { throw MembershipError(.unsealFailed, "nonce or ciphertext malformed") }
        let nonceBytes = [UInt8](nonce)
        let sealedBytes = [UInt8](sealed)
        var opened = true
        let plaintext = SecretBytes(count: sealedBytes.count - SealedBox.tagByteCount) { out in
            let result = secret.withUnsafeBytes { key in
                sealedBytes.withUnsafeBytes { input in
                    CSodium_secretbox_open(out.baseAddress, input.baseAddress, input.count, nonceBytes, key.baseAddress)
                }
            }
            opened = result == 0
        }
        guard opened else { throw MembershipError(.unsealFailed, "authentication failed: the sealed key was changed") }
        return plaintext
    }
}
