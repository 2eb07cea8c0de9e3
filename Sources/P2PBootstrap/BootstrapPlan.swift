public import P2PMembership
import P2PIdentity

/// What `p2p bootstrap` builds: one group, its clusters, the identities each hosts and where its gateway is
/// reached (`docs/bootstrapper.md`). Decoded strictly: an unknown field or a value out of bounds names its path.
public struct BootstrapPlan: Codable, Sendable, Hashable {
    /// The largest plan file read.
    public static let maximumBytes = 1024 * 1024
    /// The most clusters, and the most identities of one cluster.
    public static let maximumClusters = 1_000
    public static let maximumIdentitiesPerCluster = 1_000

    /// One cluster: a directory name, the host and port its peers reach its gateway at, and the identities it hosts.
    public struct Cluster: Codable, Sendable, Hashable {
        /// `[a-z0-9-]`, 1–56 characters, unique in the plan: the cluster's directory under `clusters/`.
        public var name: String
        /// The DNS name or IP address peers connect to; the TLS certificate is issued for it.
        public var host: String
        public var port: Int
        /// The address the gateway listens on; default `0.0.0.0`.
        public var listenAddress: String
        /// X.500 names (Corda's legal-name rules), unique in the network.
        public var identities: [String]

        public init(name: String, host: String, port: Int, listenAddress: String = "0.0.0.0", identities: [String]) {
            self.name = name
            self.host = host
            self.port = port
            self.listenAddress = listenAddress
            self.identities = identities
        }

        enum CodingKeys: String, CodingKey, CaseIterable { case name, host, port, listenAddress, identities }

        public init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownFields(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            name = try c.decode(String.self, forKey: .name)
            host = try c.decode(String.self, forKey: .host)
            port = try c.decode(Int.self, forKey: .port)
            listenAddress = try c.decodeIfPresent(String.self, forKey: .listenAddress) ?? "0.0.0.0"
            identities = try c.decode([String].self, forKey: .identities)
        }

        /// `https://host:port` (IPv6 hosts bracketed).
        public var endpoint: String { "https://\(host.contains(":") ? "[\(host)]" : host):\(port)" }
    }

    public var schemaVersion: Int
    public var groupId: String
    /// `AUTHENTICATION_ONLY`, `AUTHENTICATED_ENCRYPTION`; default both.
    public var protocolModes: [String]
    public var maxMessageSize: Int
    public var tlsType: GatewayConfiguration.TLSType
    /// Validity of each gateway's TLS certificate (1–3 650 days); the network CA is valid ten times as long.
    public var certificateValidityDays: Int
    /// The network map's event horizon: members not republished for this long drop out (60 s – 100 years).
    public var eventHorizonSeconds: Int64
    /// Settings for every link manager (`docs/configuration.md`); defaults when absent.
    public var linkManagerConfig: LinkManagerConfiguration?
    public var clusters: [Cluster]

    public init(
        groupId: String, clusters: [Cluster], protocolModes: [String] = GroupProtocolMode.allCases.map(\.rawValue),
        maxMessageSize: Int = GroupParameters.defaultMaxMessageSize, tlsType: GatewayConfiguration.TLSType = .oneWay,
        certificateValidityDays: Int = 365, eventHorizonSeconds: Int64 = 30 * 86_400,
        linkManagerConfig: LinkManagerConfiguration? = nil
    ) {
        self.schemaVersion = 1
        self.groupId = groupId
        self.protocolModes = protocolModes
        self.maxMessageSize = maxMessageSize
        self.tlsType = tlsType
        self.certificateValidityDays = certificateValidityDays
        self.eventHorizonSeconds = eventHorizonSeconds
        self.linkManagerConfig = linkManagerConfig
        self.clusters = clusters
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case schemaVersion, groupId, protocolModes, maxMessageSize, tlsType, certificateValidityDays, eventHorizonSeconds,
            linkManagerConfig, clusters
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownFields(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        schemaVersion = try c.decodeIfPresent(Int.self, forKey: .schemaVersion) ?? 1
        groupId = try c.decode(String.self, forKey: .groupId)
        protocolModes = try c.decodeIfPresent([String].self, forKey: .protocolModes) ?? GroupProtocolMode.allCases.map(\.rawValue)
        maxMessageSize = try c.decodeIfPresent(Int.self, forKey: .maxMessageSize) ?? GroupParameters.defaultMaxMessageSize
        tlsType = try c.decodeIfPresent(GatewayConfiguration.TLSType.self, forKey: .tlsType) ?? .oneWay
        certificateValidityDays = try c.decodeIfPresent(Int.self, forKey: .certificateValidityDays) ?? 365
        eventHorizonSeconds = try c.decodeIfPresent(Int64.self, forKey: .eventHorizonSeconds) ?? 30 * 86_400
        linkManagerConfig = try c.decodeIfPresent(LinkManagerConfiguration.self, forKey: .linkManagerConfig)
        clusters = try c.decode([Cluster].self, forKey: .clusters)
    }

    /// Parses and validates a plan file's bytes; errors name the field.
    public static func parse(_ bytes: [UInt8]) throws(MembershipError) -> BootstrapPlan {
        let plan = try StrictJSON.decode(BootstrapPlan.self, from: bytes, maximumBytes: maximumBytes)
        try plan.validate()
        return plan
    }

    /// Checks every rule the bootstrapper relies on; the first broken one is thrown with its field.
    public func validate() throws(MembershipError) {
        guard schemaVersion == 1 else {
            throw MembershipError(.unsupportedSchemaVersion, field: "schemaVersion", "this build reads version 1")
        }
        do { _ = try GroupID(groupId) } catch {
            throw MembershipError(.invalidField, field: "groupId", "\(error)")
        }
        for (index, mode) in protocolModes.enumerated() where GroupProtocolMode(rawValue: mode) == nil {
            throw MembershipError(.invalidField, field: "protocolModes[\(index)]", "not a protocol mode: \(mode)")
        }
        guard !protocolModes.isEmpty else { throw MembershipError(.invalidField, field: "protocolModes", "must not be empty") }
        guard GroupParameters.maxMessageSizeRange.contains(maxMessageSize) else {
            let range = GroupParameters.maxMessageSizeRange
            throw MembershipError(.invalidField, field: "maxMessageSize", "must be between \(range.lowerBound) and \(range.upperBound)")
        }
        guard (60...3_153_600_000).contains(eventHorizonSeconds) else {
            throw MembershipError(.invalidField, field: "eventHorizonSeconds", "must be between 60 and 3153600000")
        }
        try linkManagerConfig?.validate(prefix: "linkManagerConfig.")
        guard (1...3_650).contains(certificateValidityDays) else {
            throw MembershipError(.invalidField, field: "certificateValidityDays", "must be between 1 and 3650")
        }
        guard !clusters.isEmpty, clusters.count <= Self.maximumClusters else {
            throw MembershipError(.invalidField, field: "clusters", "between 1 and \(Self.maximumClusters) clusters")
        }
        var names: Set<String> = []
        var identities: [X500Name: String] = [:]
        for (index, cluster) in clusters.enumerated() {
            let field = "clusters[\(index)]"
            let allowed = cluster.name.utf8.allSatisfy { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || $0 == UInt8(ascii: "-") }
            guard (1...56).contains(cluster.name.utf8.count), allowed else {
                throw MembershipError(.invalidField, field: "\(field).name", "1–56 characters of a–z, 0–9 and -")
            }
            guard names.insert(cluster.name).inserted else {
                throw MembershipError(.duplicateEntry, field: "\(field).name", "cluster \(cluster.name) appears twice")
            }
            guard !cluster.host.isEmpty, cluster.host.utf8.count <= 253,
                cluster.host.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "/") && $0 != UInt8(ascii: "@") })
            else { throw MembershipError(.invalidField, field: "\(field).host", "must be a host name or IP address") }
            guard (1...65_535).contains(cluster.port) else {
                throw MembershipError(.invalidField, field: "\(field).port", "must be between 1 and 65535")
            }
            var gateway = GatewayConfiguration()
            gateway.hostAddress = cluster.listenAddress
            gateway.hostPort = cluster.port
            do { try gateway.validate() } catch {
                throw MembershipError(.invalidField, field: "\(field).listenAddress", "\(error)")
            }
            guard !cluster.identities.isEmpty, cluster.identities.count <= Self.maximumIdentitiesPerCluster else {
                throw MembershipError(
                    .invalidField, field: "\(field).identities", "between 1 and \(Self.maximumIdentitiesPerCluster) identities")
            }
            for (position, text) in cluster.identities.enumerated() {
                let identityField = "\(field).identities[\(position)]"
                let name: X500Name
                do { name = try X500Name(text) } catch {
                    throw MembershipError(.invalidX500Name, field: identityField, "\(error)")
                }
                if let other = identities.updateValue(identityField, forKey: name) {
                    throw MembershipError(.duplicateEntry, field: identityField, "\(text) is also \(other)")
                }
            }
        }
    }
}
