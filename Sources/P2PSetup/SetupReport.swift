/// One thing `p2p setup` did (or found already done).
public struct SetupChange: Sendable, Hashable, CustomStringConvertible {
    public enum Action: String, Sendable, Hashable {
        case added, updated, unchanged, removed
        /// Asked to remove something that is not there.
        case absent
    }

    public let action: Action
    /// `group`, `member`, `identity`, `key`, `configuration`.
    public let kind: String
    /// What it is about: a group id, a canonical holding identity, `tenant <id> key <keyId>`, a configuration key.
    public let subject: String
    public let table: String
    public let key: String

    public var description: String { "\(action.rawValue) \(kind) \(subject)" }
}

/// Everything one `apply` did, in the order it was done.
public struct SetupReport: Sendable, Hashable, CustomStringConvertible {
    public var changes: [SetupChange] = []

    public init(changes: [SetupChange] = []) { self.changes = changes }

    /// Writes made to the bus (added, updated, removed).
    public var changedCount: Int { changes.filter { [.added, .updated, .removed].contains($0.action) }.count }

    public var description: String {
        changes.map(\.description).joined(separator: "\n")
            + "\n\(changedCount) change\(changedCount == 1 ? "" : "s"), \(changes.count - changedCount) unchanged"
    }
}
