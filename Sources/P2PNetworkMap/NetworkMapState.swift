public import Foundation

/// The server's map as values: one entry per holding identity with its record's hash, serial and
/// last-seen time. Publishing, heartbeats and expiry are decisions on this value; the caller stores
/// the new state durably before it replaces the old one. No I/O, time is a parameter.
public struct NetworkMapState: Sendable, Hashable {
    /// One member on the map.
    public struct Entry: Codable, Sendable, Hashable {
        /// The canonical holding identity text (`<X.500 name>@<group id>`).
        public var identity: String
        public var hash: SecureHash
        public var serial: UInt64
        /// When it was last published (Unix milliseconds).
        public var lastSeenMillis: Int64

        public init(identity: String, hash: SecureHash, serial: UInt64, lastSeenMillis: Int64) {
            self.identity = identity
            self.hash = hash
            self.serial = serial
            self.lastSeenMillis = lastSeenMillis
        }
    }

    /// What a publish did.
    public enum PublishOutcome: Sendable, Hashable {
        /// A new entry, or a newer record replacing `replaced`.
        case stored(replaced: SecureHash?)
        /// The same record again: only its last-seen time moved.
        case heartbeat
    }

    public private(set) var entries: [String: Entry]
    public let maximumEntries: Int

    public init(entries: [Entry] = [], maximumEntries: Int = NetworkMap.maximumEntries) {
        self.entries = Dictionary(entries.map { ($0.identity, $0) }, uniquingKeysWith: { $0.serial >= $1.serial ? $0 : $1 })
        self.maximumEntries = maximumEntries
    }

    /// The hashes on the map, sorted.
    public var hashes: [SecureHash] { entries.values.map(\.hash).sorted() }

    /// Whether `hash` names a current entry.
    public func contains(_ hash: SecureHash) -> Bool { entries.values.contains { $0.hash == hash } }

    /// Records a verified member record: a higher serial replaces, the same record is a heartbeat,
    /// a lower serial (or the same serial with other content) is refused.
    public mutating func publish(identity: String, hash: SecureHash, serial: UInt64, now: Date) throws(NetworkMapError) -> PublishOutcome {
        let millis = Self.millis(now)
        if var existing = entries[identity] {
            if existing.hash == hash {
                existing.lastSeenMillis = max(existing.lastSeenMillis, millis)
                entries[identity] = existing
                return .heartbeat
            }
            guard serial > existing.serial else {
                throw NetworkMapError(
                    .staleSerial, "serial \(serial) is not above the stored serial \(existing.serial) of a different record for this member")
            }
            entries[identity] = Entry(identity: identity, hash: hash, serial: serial, lastSeenMillis: millis)
            return .stored(replaced: existing.hash)
        }
        guard entries.count < maximumEntries else {
            throw NetworkMapError(.mapFull, "the map holds \(maximumEntries) entries already")
        }
        entries[identity] = Entry(identity: identity, hash: hash, serial: serial, lastSeenMillis: millis)
        return .stored(replaced: nil)
    }

    /// Drops entries not seen within `eventHorizonSeconds` of `now`; returns them.
    public mutating func expire(eventHorizonSeconds: Int64, now: Date) -> [Entry] {
        let cutoff = Self.millis(now) - eventHorizonSeconds * 1000
        let expired = entries.values.filter { $0.lastSeenMillis < cutoff }.sorted { $0.hash < $1.hash }
        for entry in expired { entries[entry.identity] = nil }
        return expired
    }

    static func millis(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded(.down)) }
}
