/// A worker's configuration published in table `config`: decoded strictly (unknown fields are
/// errors), every field defaulted, then validated.
public protocol ComponentConfiguration: Codable, Sendable, Hashable {
    /// The key in table `config` (`p2p.gateway`, `p2p.linkManager`).
    static var configurationKey: String { get }
    /// Checks every field against its bounds; errors name the field (prefixed by `prefix`).
    func validate(prefix: String) throws(MembershipError)
}

/// The record in table `config`: `{"schemaVersion": 1, "component": "<key>", "configuration": {…}}`.
public struct ConfigurationRecord<Configuration: ComponentConfiguration>: MembershipRecord, Hashable {
    public static var tableName: String { MembershipTables.configuration }

    public var schemaVersion: Int
    public var component: String
    public var configuration: Configuration

    public init(_ configuration: Configuration) {
        self.schemaVersion = Self.currentSchemaVersion
        self.component = Configuration.configurationKey
        self.configuration = configuration
    }

    public var tableKey: String { Configuration.configurationKey }

    /// Decodes and validates a published configuration (what workers accept).
    public static func decodeValidated(_ bytes: [UInt8]) throws(MembershipError) -> Self {
        let record = try decode(bytes)
        guard record.component == Configuration.configurationKey else {
            throw MembershipError(.invalidConfiguration, field: "component", "expected \(Configuration.configurationKey)")
        }
        try record.configuration.validate(prefix: "configuration")
        return record
    }
}

/// Field-bound checks shared by the configuration types.
enum Bounds {
    static func check(_ value: Int, in range: ClosedRange<Int>, _ field: String, unit: String) throws(MembershipError) {
        guard range.contains(value) else {
            throw MembershipError(
                .invalidConfiguration, field: field,
                "must be between \(range.lowerBound) and \(range.upperBound) \(unit), not \(value)")
        }
    }

    static func field(_ prefix: String, _ name: String) -> String { prefix.isEmpty ? name : "\(prefix).\(name)" }
}

extension KeyedDecodingContainer {
    func value<T: Decodable>(_ key: Key, default value: T) throws -> T {
        try decodeIfPresent(T.self, forKey: key) ?? value
    }
}
