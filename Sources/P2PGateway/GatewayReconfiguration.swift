public import P2PMembership

/// What a running gateway must do to move from the configuration in force to a new one
/// (`docs/gateway.md` §10). Pure: no I/O; the service carries the actions out in the order given.
///
/// The fallible actions come first (`rebuildTLSContexts`, `rebindListener`), so that a failure leaves
/// every setting as it was (the last good configuration stays in force); the infallible ones follow.
public enum GatewayReconfiguration {
    public enum Action: Hashable, Sendable {
        /// Build new server and client TLS contexts for new connections; connections accepted under the
        /// old contexts are drained (their requests finish, then they close) unless `rebindListener`
        /// follows, which drains them anyway.
        case rebuildTLSContexts(GatewayConfiguration.TLSType, GatewayConfiguration.RevocationMode)
        /// Listen on `host:port`: the new listener first (where the address allows), then the old one
        /// stops accepting and its connections drain.
        case rebindListener(host: String, port: Int)
        /// The maximum request size of every request whose head arrives from now on.
        case updateRequestLimit(bytes: Int)
        /// Timers and bounds of the outbound pools: new connections, the next timer of every pool, and
        /// `maxClientConnections` as the bound for new destinations.
        case updatePools(GatewayConfiguration.Connection)
    }

    /// The actions that take a gateway from `current` to `new`; empty when nothing differs.
    public static func plan(from current: GatewayConfiguration, to new: GatewayConfiguration) -> [Action] {
        var actions: [Action] = []
        if current.tlsType != new.tlsType || current.revocationMode != new.revocationMode {
            actions.append(.rebuildTLSContexts(new.tlsType, new.revocationMode))
        }
        if current.hostAddress != new.hostAddress || current.hostPort != new.hostPort {
            actions.append(.rebindListener(host: new.hostAddress, port: new.hostPort))
        }
        if current.maxRequestSizeBytes != new.maxRequestSizeBytes {
            actions.append(.updateRequestLimit(bytes: new.maxRequestSizeBytes))
        }
        if current.connection != new.connection {
            actions.append(.updatePools(new.connection))
        }
        return actions
    }

    /// Whether `actions` drain the connections accepted before the change (a new listener or new TLS).
    public static func drainsInboundConnections(_ actions: [Action]) -> Bool {
        actions.contains {
            switch $0 {
            case .rebuildTLSContexts, .rebindListener: true
            case .updateRequestLimit, .updatePools: false
            }
        }
    }
}
