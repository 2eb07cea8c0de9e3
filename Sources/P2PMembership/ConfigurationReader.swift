public import P2PBus

/// Hands a running component each new valid configuration of its kind, without a restart.
///
/// Built on ``TableReader`` over table `config`, filtered to `Configuration.configurationKey`.
/// A published configuration that does not decode or validate is rejected: the last good one stays
/// in force and the rejection handlers are told why. Deleting the key also keeps the last good one
/// (a worker never runs without configuration once it had one).
public final class ConfigurationReader<Configuration: ComponentConfiguration>: Sendable {
    public typealias Handler = @Sendable (Configuration) -> Void
    public typealias RejectionHandler = @Sendable (MembershipError) -> Void

    let reader: TableReader<ConfigurationRecord<Configuration>>

    public init(bus: any MessageBus) async throws {
        let table = try await bus.table(MembershipTables.configuration)
        reader = TableReader(table: table, accepts: { $0 == Configuration.configurationKey }, keepsDeleted: true) {
            entry throws(MembershipError) in
            try ConfigurationRecord<Configuration>.decodeValidated(entry.value)
        }
    }

    /// Loads the current configuration (if one was published), then follows changes.
    public func start() async throws { try await reader.start() }

    public func stop() { reader.stop() }

    /// The configuration in force, or nil while none valid was published.
    public var current: Configuration? {
        reader.record(forKey: Configuration.configurationKey)?.configuration
    }

    /// Calls `handler` with every later valid configuration that differs from the one in force.
    @discardableResult
    public func subscribe(_ handler: @escaping Handler) throws(MembershipError) -> Int {
        try reader.subscribe { change in
            switch change {
            case .added(let record):
                handler(record.configuration)
            case .updated(let old, let new):
                if old.configuration != new.configuration { handler(new.configuration) }
            case .removed:
                break
            }
        }
    }

    /// The later valid configurations that differ from the one in force, in order, for a component that applies
    /// them one at a time. Only the newest waits while one is being applied (a configuration superseded
    /// before it was taken is skipped). Iterate from one task; cancelling it ends the stream and unsubscribes.
    public func updates() throws(MembershipError) -> AsyncStream<Configuration> {
        let (stream, continuation) = AsyncStream.makeStream(of: Configuration.self, bufferingPolicy: .bufferingNewest(1))
        let token = try subscribe { continuation.yield($0) }
        continuation.onTermination = { [weak self] _ in self?.unsubscribe(token) }
        return stream
    }

    /// Calls `handler` for every rejected configuration of this component.
    @discardableResult
    public func onRejected(_ handler: @escaping RejectionHandler) throws(MembershipError) -> Int {
        try reader.onRejected { _, error in handler(error) }
    }

    public func unsubscribe(_ token: Int) { reader.unsubscribe(token) }
}
