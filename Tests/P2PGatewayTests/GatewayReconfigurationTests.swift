import P2PGateway
import P2PMembership
import Testing

/// The plan from the configuration in force to a new one, as values: one test per field.
@Suite struct GatewayReconfigurationTests {
    typealias Action = GatewayReconfiguration.Action

    let base: GatewayConfiguration = {
        var configuration = GatewayConfiguration()
        configuration.hostAddress = "127.0.0.1"
        configuration.hostPort = 8443
        return configuration
    }()

    func plan(_ change: (inout GatewayConfiguration) -> Void) -> [Action] {
        var new = base
        change(&new)
        return GatewayReconfiguration.plan(from: base, to: new)
    }

    @Test func anEqualConfigurationNeedsNothing() {
        #expect(GatewayReconfiguration.plan(from: base, to: base).isEmpty)
        #expect(!GatewayReconfiguration.drainsInboundConnections([]))
    }

    @Test func hostAddressRebindsTheListener() {
        let actions = plan { $0.hostAddress = "0.0.0.0" }
        #expect(actions == [.rebindListener(host: "0.0.0.0", port: 8443)])
        #expect(GatewayReconfiguration.drainsInboundConnections(actions))
    }

    @Test func hostPortRebindsTheListener() {
        let actions = plan { $0.hostPort = 9443 }
        #expect(actions == [.rebindListener(host: "127.0.0.1", port: 9443)])
        #expect(GatewayReconfiguration.drainsInboundConnections(actions))
    }

    @Test func maxRequestSizeBytesOnlyUpdatesTheRequestLimit() {
        let actions = plan { $0.maxRequestSizeBytes = 4096 }
        #expect(actions == [.updateRequestLimit(bytes: 4096)])
        #expect(!GatewayReconfiguration.drainsInboundConnections(actions))
    }

    @Test func tlsTypeRebuildsTheTLSContexts() {
        let actions = plan { $0.tlsType = .mutual }
        #expect(actions == [.rebuildTLSContexts(.mutual, .off)])
        #expect(GatewayReconfiguration.drainsInboundConnections(actions))
    }

    @Test func revocationModeRebuildsTheTLSContexts() {
        let actions = plan { $0.revocationMode = .hardFail }
        #expect(actions == [.rebuildTLSContexts(.oneWay, .hardFail)])
        #expect(GatewayReconfiguration.drainsInboundConnections(actions))
    }

    /// Every `connection.*` field: the pools take the new settings; no socket or context changes.
    @Test(arguments: [
        "maxClientConnections", "acquireTimeoutMillis", "connectionIdleTimeoutMillis", "responseTimeoutMillis",
        "retryDelayMillis", "initialReconnectionDelayMillis", "maximalReconnectionDelayMillis",
    ])
    func connectionFieldUpdatesThePools(field: String) {
        var connection = base.connection
        switch field {
        case "maxClientConnections": connection.maxClientConnections = 7
        case "acquireTimeoutMillis": connection.acquireTimeoutMillis = 500
        case "connectionIdleTimeoutMillis": connection.connectionIdleTimeoutMillis = 500
        case "responseTimeoutMillis": connection.responseTimeoutMillis = 500
        case "retryDelayMillis": connection.retryDelayMillis = 500
        case "initialReconnectionDelayMillis": connection.initialReconnectionDelayMillis = 500
        default: connection.maximalReconnectionDelayMillis = 30_000
        }
        #expect(connection != base.connection)
        let actions = plan { $0.connection = connection }
        #expect(actions == [.updatePools(connection)])
        #expect(!GatewayReconfiguration.drainsInboundConnections(actions))
    }

    @Test func severalChangesPutTheFallibleStepsFirst() {
        var connection = base.connection
        connection.retryDelayMillis = 10
        let actions = plan {
            $0.connection = connection
            $0.maxRequestSizeBytes = 2048
            $0.hostPort = 9000
            $0.tlsType = .mutual
        }
        #expect(
            actions == [
                .rebuildTLSContexts(.mutual, .off), .rebindListener(host: "127.0.0.1", port: 9000),
                .updateRequestLimit(bytes: 2048), .updatePools(connection),
            ])
    }
}
