import COpenSSL
import P2PX509

/// Signatures over raw payload bytes with the keys `P2PX509` reads: Ed25519 (pure), ECDSA P-256 with
/// SHA-256, RSA PKCS#1 v1.5 with SHA-256 (OpenSSL's `EVP_DigestSign` / `EVP_DigestVerify`).
///
/// `P2PX509` has no general "sign these bytes" API yet; this reaches its keys' `EVP_PKEY` through
/// their package-level handles and owns no handle of its own beyond one call.
enum PayloadSignature {
    /// The longest signature accepted (RSA-4096 is 512 bytes).
    static let maximumSignatureBytes = 1024

    static func sign(_ payload: [UInt8], with key: PrivateKey) throws(NetworkMapError) -> [UInt8] {
        guard let context = EVP_MD_CTX_new() else { throw NetworkMapError(.signingFailed, "EVP_MD_CTX_new") }
        defer { EVP_MD_CTX_free(context) }
        ERR_clear_error()
        defer { ERR_clear_error() }
        guard EVP_DigestSignInit(context, nil, digest(for: key.pointer), nil, key.pointer) == 1 else {
            throw NetworkMapError(.signingFailed, "the key cannot sign")
        }
        var length = 0
        let sized = payload.withUnsafeBufferPointer { EVP_DigestSign(context, nil, &length, $0.baseAddress, $0.count) }
        guard sized == 1, length > 0, length <= maximumSignatureBytes else {
            throw NetworkMapError(.signingFailed, "signature size")
        }
        var signature = [UInt8](repeating: 0, count: length)
        let signed = payload.withUnsafeBufferPointer { input in
            signature.withUnsafeMutableBufferPointer { EVP_DigestSign(context, $0.baseAddress, &length, input.baseAddress, input.count) }
        }
        guard signed == 1 else { throw NetworkMapError(.signingFailed, "EVP_DigestSign") }
        return Array(signature.prefix(length))
    }

    /// Whether `signature` verifies over `payload` with the certificate's public key.
    static func isValid(_ signature: [UInt8], over payload: [UInt8], by certificate: Certificate) -> Bool {
        guard !signature.isEmpty, signature.count <= maximumSignatureBytes, let key = certificate.publicKey,
            let context = EVP_MD_CTX_new()
        else { return false }
        defer { EVP_MD_CTX_free(context) }
        ERR_clear_error()
        defer { ERR_clear_error() }
        guard EVP_DigestVerifyInit(context, nil, digest(for: key.pointer), nil, key.pointer) == 1 else { return false }
        let result = signature.withUnsafeBufferPointer { sig in
            payload.withUnsafeBufferPointer { EVP_DigestVerify(context, sig.baseAddress, sig.count, $0.baseAddress, $0.count) }
        }
        return result == 1
    }

    /// SHA-256, or none for Ed25519 (which hashes internally).
    static func digest(for key: OpaquePointer) -> OpaquePointer? {
        EVP_PKEY_get_base_id(key) == EVP_PKEY_ED25519 ? nil : EVP_sha256()
    }
}
