/// How the doorman decides on a valid request (`docs/doorman.md` §4).
public enum ApprovalPolicy: String, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    /// Issue at submission unless the legal name is already held by another key.
    case auto
    /// Hold every request until an operator approves or rejects it.
    case manual

    public var description: String { rawValue }
}

/// Who, if anyone, already holds a legal name.
public enum NameClaim: Hashable, Sendable {
    /// No certificate has been issued for the name.
    case unclaimed
    /// A certificate for the name was issued to the requesting key.
    case heldBySameKey
    /// A certificate for the name was issued to a different key.
    case heldByAnotherKey
}
