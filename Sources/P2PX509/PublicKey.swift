import COpenSSL

/// A public key, owning one OpenSSL `EVP_PKEY` that holds no private part we use.
public final class PublicKey: @unchecked Sendable, Equatable, CustomStringConvertible {
    // Immutable once made; read-only use is thread-safe in OpenSSL 3.
    package let pointer: OpaquePointer

    package init(taking pointer: OpaquePointer) { self.pointer = pointer }

    deinit { EVP_PKEY_free(pointer) }

    /// Reads a PEM `SubjectPublicKeyInfo` (`-----BEGIN PUBLIC KEY-----`).
    public convenience init(pemEncoded pem: String) throws(X509Error) {
        let bio = try MemoryBIO(pem.utf8)
        OpenSSLErrorQueue.clear()
        guard let key = PEM_read_bio_PUBKEY(bio.pointer, nil, nil, nil) else {
            throw X509Error(.invalidPEM, "public key: \(OpenSSLErrorQueue.drain())")
        }
        self.init(taking: key)
    }

    /// Reads a DER `SubjectPublicKeyInfo`.
    public convenience init(derEncoded der: some Collection<UInt8>) throws(X509Error) {
        self.init(taking: try decodeDER(der, "public key") { d2i_PUBKEY(nil, $0, $1) })
    }

    /// DER `SubjectPublicKeyInfo`.
    public var derRepresentation: [UInt8] {
        encodeDER("public key") { i2d_PUBKEY(pointer, $0) }
    }

    /// PEM `SubjectPublicKeyInfo`.
    public var pemRepresentation: String {
        get throws(X509Error) {
            let bio = try MemoryBIO()
            guard PEM_write_bio_PUBKEY(bio.pointer, pointer) == 1 else {
                throw X509Error(.encodingFailed, OpenSSLErrorQueue.drain())
            }
            return bio.string
        }
    }

    public var algorithm: KeyAlgorithm { (try? PrivateKey.algorithm(of: pointer)) ?? .ecP256 }

    public var description: String { "PublicKey(\(algorithm))" }

    public static func == (lhs: PublicKey, rhs: PublicKey) -> Bool {
        EVP_PKEY_eq(lhs.pointer, rhs.pointer) == 1
    }
}
