public import P2PCrypto
import P2PX509

/// Ed25519 session keys in their PEM forms (SubjectPublicKeyInfo, PKCS#8), as Corda's records carry
/// them, converted to and from the raw 32-byte keys `P2PSession` uses.
public enum SessionKeyPEM {
    /// DER SubjectPublicKeyInfo of an Ed25519 key (RFC 8410): this prefix, then the 32 key bytes.
    static let publicKeyPrefix: [UInt8] = [0x30, 0x2A, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x03, 0x21, 0x00]
    /// DER PKCS#8 of an Ed25519 private key (RFC 8410, version 0): this prefix, then the 32-byte seed.
    static let privateKeyPrefix: [UInt8] = [
        0x30, 0x2E, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
    ]

    /// The raw key of a PEM Ed25519 public key; `field` names the input in errors.
    public static func verifyingKey(pem: String, field: String) throws(MembershipError) -> Ed25519.VerifyingKey {
        let der = try publicKeyDER(pem: pem, field: field)
        guard der.count == publicKeyPrefix.count + Ed25519.publicKeyByteCount, der.starts(with: publicKeyPrefix) else {
            throw MembershipError(.invalidKey, field: field, "a session key must be Ed25519")
        }
        return try! Ed25519.VerifyingKey(rawRepresentation: Array(der.suffix(Ed25519.publicKeyByteCount)))
    }

    /// The PEM SubjectPublicKeyInfo of a raw Ed25519 key.
    public static func pem(for key: Ed25519.VerifyingKey) -> String {
        // A well-formed SPKI of a valid length: OpenSSL accepts it.
        try! PublicKey(derEncoded: publicKeyPrefix + key.rawRepresentation).pemRepresentation
    }

    /// The DER SubjectPublicKeyInfo of a PEM public key.
    static func publicKeyDER(pem: String, field: String) throws(MembershipError) -> [UInt8] {
        guard pem.utf8.count <= 16 * 1024 else { throw MembershipError(.invalidKey, field: field, "longer than 16 KiB") }
        do {
            return try PublicKey(pemEncoded: pem).derRepresentation
        } catch {
            throw MembershipError(.invalidKey, field: field, "not a PEM public key (SubjectPublicKeyInfo)")
        }
    }

    /// The Ed25519 signing key in a PKCS#8 DER private key held in `der`.
    static func signingKey(pkcs8 der: SecretBytes) throws(MembershipError) -> Ed25519.SigningKey {
        try der.withUnsafeBytes { bytes throws(MembershipError) -> Ed25519.SigningKey in
            guard bytes.count == privateKeyPrefix.count + Ed25519.seedByteCount,
                bytes.prefix(privateKeyPrefix.count).elementsEqual(privateKeyPrefix)
            else { throw MembershipError(.invalidKey, "not an Ed25519 private key") }
            let seed = SecretBytes(copying: UnsafeRawBufferPointer(rebasing: bytes[privateKeyPrefix.count...]))
            return try! Ed25519.SigningKey(seed: seed)
        }
    }
}
