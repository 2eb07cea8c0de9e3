public import P2PX509

/// Trust roots per application network (group), as Corda keeps one trust store per group: a client connecting
/// to a member of a group trusts only that group's roots; a mutual-TLS server serving several groups accepts
/// client chains to any of their roots.
public struct TLSTrustGroups: Sendable {
    /// The most groups one gateway serves.
    public static let maximumGroups = 1_000

    public let rootsByGroup: [String: [Certificate]]

    public init(_ rootsByGroup: [String: [Certificate]]) throws(TLSError) {
        guard rootsByGroup.count <= Self.maximumGroups else { throw TLSError(.invalidConfiguration, "too many groups") }
        for (group, roots) in rootsByGroup where roots.isEmpty || roots.count > TrustStore.maximumRoots {
            throw TLSError(.invalidConfiguration, "group \(group) needs 1 to \(TrustStore.maximumRoots) roots")
        }
        self.rootsByGroup = rootsByGroup
    }

    /// `base` with the trust roots of `group` only, for a client context talking to that group's members.
    public func clientConfiguration(for group: String, base: TLSConfiguration) throws(TLSError) -> TLSConfiguration {
        guard let roots = rootsByGroup[group] else { throw TLSError(.invalidConfiguration, "unknown group \(group)") }
        var configuration = base
        configuration.trustRoots = roots
        return configuration
    }

    /// `base` trusting the roots of every group (duplicates removed), for a server that serves them all.
    public func serverConfiguration(base: TLSConfiguration) -> TLSConfiguration {
        var seen = Set<Certificate>()
        var configuration = base
        configuration.trustRoots = rootsByGroup.keys.sorted().flatMap { rootsByGroup[$0]! }.filter { seen.insert($0).inserted }
        return configuration
    }
}
