/// The latest value of a table key.
public struct TableEntry: Sendable, Hashable {
    public let key: String
    public let value: [UInt8]
    /// Increases across the whole table with every write.
    public let revision: UInt64

    public init(key: String, value: [UInt8], revision: UInt64) {
        self.key = key
        self.value = value
        self.revision = revision
    }
}

/// What a table watcher sees: first the current state, then `.caughtUp`, then every change.
public enum TableEvent: Sendable, Hashable {
    case put(TableEntry)
    case deleted(key: String, revision: UInt64)
    /// Every key's current state has been delivered; what follows is live.
    case caughtUp
}
