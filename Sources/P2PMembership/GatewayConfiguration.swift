/// The gateway's configuration (table `config`, key `p2p.gateway`). Every field has a default;
/// durations are whole milliseconds and sizes whole bytes, named with their unit.
/// `docs/configuration.md` lists each field with its default, unit and Corda counterpart.
public struct GatewayConfiguration: ComponentConfiguration {
    public static let configurationKey = "p2p.gateway"

    /// Who must present a certificate on a TLS connection between gateways.
    public enum TLSType: String, Codable, Sendable, Hashable, CaseIterable {
        /// The server presents its certificate; the client is not authenticated by TLS.
        case oneWay = "ONE_WAY"
        /// Both sides present certificates that chain to the group's trust roots.
        case mutual = "MUTUAL"
    }

    /// Certificate revocation checking (CRLs).
    public enum RevocationMode: String, Codable, Sendable, Hashable, CaseIterable {
        /// No revocation checks.
        case off = "OFF"
        /// A certificate listed as revoked is refused; a missing or unreachable list is tolerated.
        case softFail = "SOFT_FAIL"
        /// Every certificate must be covered by a current list and not listed.
        case hardFail = "HARD_FAIL"
    }

    /// Outbound connection pool and retry settings (Corda's `connectionConfig`).
    public struct Connection: Codable, Sendable, Hashable {
        public var maxClientConnections = 100
        public var acquireTimeoutMillis = 10_000
        public var connectionIdleTimeoutMillis = 60_000
        public var responseTimeoutMillis = 3_000
        public var retryDelayMillis = 2_000
        public var initialReconnectionDelayMillis = 1_000
        public var maximalReconnectionDelayMillis = 16_000

        public init() {}

        enum CodingKeys: String, CodingKey, CaseIterable {
            case maxClientConnections, acquireTimeoutMillis, connectionIdleTimeoutMillis, responseTimeoutMillis,
                retryDelayMillis, initialReconnectionDelayMillis, maximalReconnectionDelayMillis
        }

        public init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownFields(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            let d = Connection.defaults
            maxClientConnections = try c.value(.maxClientConnections, default: d.maxClientConnections)
            acquireTimeoutMillis = try c.value(.acquireTimeoutMillis, default: d.acquireTimeoutMillis)
            connectionIdleTimeoutMillis = try c.value(.connectionIdleTimeoutMillis, default: d.connectionIdleTimeoutMillis)
            responseTimeoutMillis = try c.value(.responseTimeoutMillis, default: d.responseTimeoutMillis)
            retryDelayMillis = try c.value(.retryDelayMillis, default: d.retryDelayMillis)
            initialReconnectionDelayMillis = try c.value(.initialReconnectionDelayMillis, default: d.initialReconnectionDelayMillis)
            maximalReconnectionDelayMillis = try c.value(.maximalReconnectionDelayMillis, default: d.maximalReconnectionDelayMillis)
        }

        static let defaults = Connection()
    }

    public static let maximumDurationMillis = 3_600_000
    /// The gateway protocol's absolute ceiling on a request body (`P2PWire.BatchLimits.absoluteMaximumLength`).
    public static let maximumRequestSizeLimit = 64 * 1024 * 1024

    public var hostAddress = "0.0.0.0"
    public var hostPort = 8443
    public var maxRequestSizeBytes = 8 * 1024 * 1024
    public var tlsType = TLSType.oneWay
    public var revocationMode = RevocationMode.off
    public var connection = Connection()

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case hostAddress, hostPort, maxRequestSizeBytes, tlsType, revocationMode, connection
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownFields(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = GatewayConfiguration()
        hostAddress = try c.value(.hostAddress, default: d.hostAddress)
        hostPort = try c.value(.hostPort, default: d.hostPort)
        maxRequestSizeBytes = try c.value(.maxRequestSizeBytes, default: d.maxRequestSizeBytes)
        tlsType = try c.value(.tlsType, default: d.tlsType)
        revocationMode = try c.value(.revocationMode, default: d.revocationMode)
        connection = try c.value(.connection, default: d.connection)
    }

    public func validate(prefix: String = "") throws(MembershipError) {
        let f = { (name: String) in Bounds.field(prefix, name) }
        guard !hostAddress.isEmpty, hostAddress.utf8.count <= 255,
            hostAddress.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "/") })
        else { throw MembershipError(.invalidConfiguration, field: f("hostAddress"), "must be a host name or IP address") }
        try Bounds.check(hostPort, in: 1...65_535, f("hostPort"), unit: "")
        try Bounds.check(maxRequestSizeBytes, in: 1024...Self.maximumRequestSizeLimit, f("maxRequestSizeBytes"), unit: "bytes")
        let cf = { (name: String) in Bounds.field(f("connection"), name) }
        try Bounds.check(connection.maxClientConnections, in: 1...10_000, cf("maxClientConnections"), unit: "connections")
        for (value, name) in [
            (connection.acquireTimeoutMillis, "acquireTimeoutMillis"),
            (connection.connectionIdleTimeoutMillis, "connectionIdleTimeoutMillis"),
            (connection.responseTimeoutMillis, "responseTimeoutMillis"),
            (connection.retryDelayMillis, "retryDelayMillis"),
            (connection.initialReconnectionDelayMillis, "initialReconnectionDelayMillis"),
            (connection.maximalReconnectionDelayMillis, "maximalReconnectionDelayMillis"),
        ] {
            try Bounds.check(value, in: 1...Self.maximumDurationMillis, cf(name), unit: "ms")
        }
        guard connection.initialReconnectionDelayMillis <= connection.maximalReconnectionDelayMillis else {
            throw MembershipError(
                .invalidConfiguration, field: cf("maximalReconnectionDelayMillis"),
                "must not be less than initialReconnectionDelayMillis")
        }
    }
}
