import CSodium
public import P2PCrypto
public import P2PX509

/// A key pair a tenant uploaded, its private half sealed under the cluster key.
/// Table `p2p.crypto.keys`, key `hex(SHA-256(tenantId))[0..<32] + "." + keyId`.
///
/// The public half is in the clear so that validation (does tenant X hold the key of this
/// certificate?) needs no cluster key; the private half is only ever on the bus as a ``SealedBox``.
public struct TenantKey: MembershipRecord, Hashable {
    public static let tableName = MembershipTables.cryptoKeys
    /// Tenant ids: 1…128 UTF-8 bytes, no control characters.
    public static let maximumTenantIDBytes = 128

    public var schemaVersion: Int
    public var tenantId: String
    /// `hex(SHA-256(SubjectPublicKeyInfo DER))[0..<32]`.
    public var keyId: String
    /// `Ed25519`, `EC P-256`, `RSA-2048`… (P2PX509's names).
    public var algorithm: String
    /// PEM SubjectPublicKeyInfo.
    public var publicKey: String
    /// The PKCS#8 DER private key, sealed.
    public var sealedPrivateKey: SealedBox

    public var tableKey: String { MembershipTables.tenantKeyKey(tenantID: tenantId, keyID: keyId) }

    /// Seals `privateKey` for `tenantID` under `clusterKey`.
    public init(tenantID: String, privateKey: PrivateKey, clusterKey: ClusterKey) throws(MembershipError) {
        var der: [UInt8]
        let publicDER: [UInt8]
        let publicPEM: String
        do {
            der = try privateKey.derRepresentation
            publicDER = privateKey.publicKey.derRepresentation
            publicPEM = try privateKey.publicKey.pemRepresentation
        } catch { throw MembershipError(.invalidKey, "the private key cannot be encoded as PKCS#8") }
        defer { CSodium_memzero(&der, der.count) }
        self.schemaVersion = Self.currentSchemaVersion
        self.tenantId = tenantID
        self.keyId = MembershipTables.keyID(publicKeyDER: publicDER)
        self.algorithm = privateKey.algorithm.description
        self.publicKey = publicPEM
        let sealed: Result<SealedBox, MembershipError> = der.withUnsafeBytes { bytes in
            Result { () throws(MembershipError) in try clusterKey.seal(bytes) }
        }
        self.sealedPrivateKey = try sealed.get()
    }

    /// Opens the private key. Fails with `wrongClusterKey` when sealed under another key, and with
    /// `unsealFailed` when the box was changed or does not hold the key of ``publicKey``.
    public func unseal(with clusterKey: ClusterKey) throws(MembershipError) -> UnsealedKey {
        let der = try clusterKey.open(sealedPrivateKey)
        let key: PrivateKey
        do {
            key = try der.withUnsafeBytes { bytes throws(X509Error) in try PrivateKey(derEncoded: bytes) }
        } catch { throw MembershipError(.unsealFailed, field: tenantId, "the sealed bytes are not a private key") }
        guard MembershipTables.keyID(publicKeyDER: key.publicKey.derRepresentation) == keyId else {
            throw MembershipError(.unsealFailed, field: tenantId, "the sealed key does not match the record's public key")
        }
        return UnsealedKey(privateKey: key, pkcs8: der)
    }
}

/// A private key opened from a ``TenantKey``: for TLS (`privateKey`) or the session handshake.
public struct UnsealedKey: Sendable, CustomStringConvertible {
    public let privateKey: PrivateKey
    let pkcs8: SecretBytes

    /// The Ed25519 session signing key; fails unless the key is Ed25519.
    public func sessionSigningKey() throws(MembershipError) -> Ed25519.SigningKey {
        try SessionKeyPEM.signingKey(pkcs8: pkcs8)
    }

    public var description: String { "UnsealedKey(\(privateKey.algorithm), redacted)" }
}
