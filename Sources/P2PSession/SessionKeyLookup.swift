public import P2PCrypto

/// What a locally hosted identity lookup found for `(responder key hash, group id)`.
public enum LocalIdentityLookupResult: Sendable {
    /// The hosted identity's session signing key.
    case found(Ed25519.SigningKey)
    /// No hosted identity has this key hash.
    case unknownKeyHash
    /// An identity with this key hash is hosted, but not in the requested group.
    case notInGroup
}

/// The caller-supplied lookups the responder needs (multi-tenancy): which of our hosted identities is
/// addressed, and which session key the initiating member has.
public protocol SessionKeyLookup {
    /// The locally hosted identity whose session key hashes to `keyHash` in `groupID`.
    func localIdentity(keyHash: [UInt8], groupID: String) -> LocalIdentityLookupResult
    /// The session key of the group member whose key hashes to `keyHash`, if it is a member.
    func peerIdentity(keyHash: [UInt8], groupID: String) -> Ed25519.VerifyingKey?
}

/// SHA-256 of a raw Ed25519 public key: the key hash the handshake names identities by.
public func sessionKeyHash(_ key: Ed25519.VerifyingKey) -> [UInt8] { KeySchedule.keyHash(key) }
