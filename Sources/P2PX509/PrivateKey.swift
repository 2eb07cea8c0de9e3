import COpenSSL

/// A private key (and its public half), owning one OpenSSL `EVP_PKEY`.
///
/// Not printable (its description names only the algorithm), not `Codable`. The PEM and DER forms are
/// PKCS#8, unencrypted: write them only to files with mode 0600.
public final class PrivateKey: @unchecked Sendable, CustomStringConvertible {
    // An EVP_PKEY is immutable once made; OpenSSL allows concurrent use for signing and reading.
    package let pointer: OpaquePointer

    package init(taking pointer: OpaquePointer) { self.pointer = pointer }

    deinit { EVP_PKEY_free(pointer) }

    /// Generates a new key pair.
    public convenience init(generating algorithm: KeyAlgorithm = .default) throws(X509Error) {
        let name: String
        switch algorithm {
        case .ecP256: name = "EC"
        case .rsa(let bits):
            guard KeyAlgorithm.allowedRSABits.contains(bits) else {
                throw X509Error(.unsupportedKeyAlgorithm, "RSA-\(bits)")
            }
            name = "RSA"
        case .ed25519: name = "ED25519"
        }
        OpenSSLErrorQueue.clear()
        guard let context = EVP_PKEY_CTX_new_from_name(nil, name, nil) else {
            throw X509Error(.keyGenerationFailed, OpenSSLErrorQueue.drain())
        }
        defer { EVP_PKEY_CTX_free(context) }
        guard EVP_PKEY_keygen_init(context) == 1 else { throw X509Error(.keyGenerationFailed, OpenSSLErrorQueue.drain()) }
        switch algorithm {
        case .ecP256:
            guard EVP_PKEY_CTX_set_group_name(context, "P-256") == 1 else {
                throw X509Error(.keyGenerationFailed, OpenSSLErrorQueue.drain())
            }
        case .rsa(let bits):
            guard EVP_PKEY_CTX_set_rsa_keygen_bits(context, Int32(bits)) == 1 else {
                throw X509Error(.keyGenerationFailed, OpenSSLErrorQueue.drain())
            }
        case .ed25519: break
        }
        var key: OpaquePointer?
        guard EVP_PKEY_generate(context, &key) == 1, let key else {
            throw X509Error(.keyGenerationFailed, OpenSSLErrorQueue.drain())
        }
        self.init(taking: key)
    }

    /// Reads a PEM private key (PKCS#8 or the traditional RSA / EC forms), unencrypted.
    public convenience init(pemEncoded pem: String) throws(X509Error) {
        let bio = try MemoryBIO(pem.utf8)
        OpenSSLErrorQueue.clear()
        guard let key = PEM_read_bio_PrivateKey(bio.pointer, nil, nil, nil) else {
            throw X509Error(.invalidPEM, "private key: \(OpenSSLErrorQueue.drain())")
        }
        self.init(taking: key)
        _ = try Self.algorithm(of: pointer)
    }

    /// Reads a DER private key (PKCS#8 or traditional).
    public convenience init(derEncoded der: some Collection<UInt8>) throws(X509Error) {
        let key = try decodeDER(der, "private key") { d2i_AutoPrivateKey(nil, $0, $1) }
        self.init(taking: key)
        _ = try Self.algorithm(of: pointer)
    }

    /// PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`).
    public var pemRepresentation: String {
        get throws(X509Error) {
            let bio = try MemoryBIO()
            guard PEM_write_bio_PKCS8PrivateKey(bio.pointer, pointer, nil, nil, 0, nil, nil) == 1 else {
                throw X509Error(.encodingFailed, OpenSSLErrorQueue.drain())
            }
            return bio.string
        }
    }

    /// PKCS#8 DER.
    public var derRepresentation: [UInt8] {
        get throws(X509Error) {
            let bio = try MemoryBIO()
            guard i2d_PKCS8PrivateKey_bio(bio.pointer, pointer, nil, nil, 0, nil, nil) == 1 else {
                throw X509Error(.encodingFailed, OpenSSLErrorQueue.drain())
            }
            return bio.bytes
        }
    }

    /// The algorithm and size of this key.
    public var algorithm: KeyAlgorithm {
        // Checked when the key was made or read.
        (try? Self.algorithm(of: pointer)) ?? .ecP256
    }

    /// The public half.
    public var publicKey: PublicKey {
        EVP_PKEY_up_ref(pointer)
        return PublicKey(taking: pointer)
    }

    public var description: String { "PrivateKey(\(algorithm), redacted)" }

    static func algorithm(of key: OpaquePointer) throws(X509Error) -> KeyAlgorithm {
        switch EVP_PKEY_get_base_id(key) {
        case EVP_PKEY_RSA: return .rsa(bits: Int(EVP_PKEY_get_bits(key)))
        case EVP_PKEY_ED25519: return .ed25519
        case EVP_PKEY_EC:
            var name = [CChar](repeating: 0, count: 64)
            var length = 0
            guard EVP_PKEY_get_group_name(key, &name, name.count, &length) == 1,
                String(decoding: name.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self) == "prime256v1"
            else { throw X509Error(.unsupportedKeyAlgorithm, "EC curve other than P-256") }
            return .ecP256
        default: throw X509Error(.unsupportedKeyAlgorithm, "key type \(EVP_PKEY_get_base_id(key))")
        }
    }

    /// The digest to sign with: SHA-256, or none for Ed25519 (which hashes internally).
    var signingDigest: OpaquePointer? {
        EVP_PKEY_get_base_id(pointer) == EVP_PKEY_ED25519 ? nil : EVP_sha256()
    }
}
