import Foundation
import P2PBus
import P2PIdentity
import P2PMembership
import P2PX509

/// One planned write: what, where, and how it will be reported.
struct PlannedWrite {
    enum Operation {
        case put([UInt8])
        case delete
        case none
    }

    let table: String
    let key: String
    let operation: Operation
    let change: SetupChange

    init(_ action: SetupChange.Action, kind: String, subject: String, table: String, key: String, operation: Operation) {
        self.table = table
        self.key = key
        self.operation = operation
        self.change = SetupChange(action: action, kind: kind, subject: subject, table: table, key: key)
    }
}

/// Validates a request against the stored state overlaid with the request itself, and plans the
/// writes. Pure apart from reading the state it was given: no bus I/O.
struct SetupPlanner {
    let state: StoredState
    let clusterKey: ClusterKey?
    let now: Date
    let paths: NetworkSetup.Paths

    /// The state as it will be once the request is applied.
    var groups: [String: GroupPolicy]
    var keys: [String: TenantKey]
    var members: [String: MemberInfo]
    var identities: [String: HostedIdentity]

    init(state: StoredState, clusterKey: ClusterKey?, now: Date, paths: NetworkSetup.Paths) {
        self.state = state
        self.clusterKey = clusterKey
        self.now = now
        self.paths = paths
        groups = state.records(GroupPolicy.self)
        keys = state.records(TenantKey.self)
        members = state.records(MemberInfo.self)
        identities = state.records(HostedIdentity.self)
    }

    func field(_ entry: String, _ name: String) -> String { entry.isEmpty ? name : "\(entry).\(name)" }

    mutating func plan(_ file: NetworkFile) throws(MembershipError) -> [PlannedWrite] {
        for list in [file.groupsToAdd.count, file.keysToAdd.count, file.membersToAdd.count, file.identitiesToAdd.count,
            file.groupsToRemove.count, file.membersToRemove.count, file.identitiesToRemove.count]
        where list > NetworkFile.maximumEntries {
            throw MembershipError(.inputTooLarge, "more than \(NetworkFile.maximumEntries) entries in one list")
        }
        var writes: [PlannedWrite] = []
        if let configuration = file.gatewayConfig {
            writes.append(try configure(configuration, field: paths == .file ? "gatewayConfig" : ""))
        }
        if let configuration = file.linkManagerConfig {
            writes.append(try configure(configuration, field: paths == .file ? "linkManagerConfig" : ""))
        }
        // Removals are resolved first so that validation of additions sees the final group set;
        // they are written last so that nothing refers to a group while it disappears.
        var removals: [PlannedWrite] = []
        let removedGroups = try groupRemovals(file.groupsToRemove)
        var seen = Set<String>()
        for (index, input) in file.groupsToAdd.enumerated() {
            let policy = try group(input, at: paths.entry("groupsToAdd", index))
            guard seen.insert(policy.tableKey).inserted else {
                throw MembershipError(.duplicateEntry, field: field(paths.entry("groupsToAdd", index), "groupId"), "group listed twice")
            }
            writes.append(compareAndPut(policy, kind: "group", subject: policy.groupId.value))
            groups[policy.tableKey] = policy
        }
        for (index, key) in removedGroups.enumerated() {
            guard !seen.contains(key) else {
                throw MembershipError(
                    .duplicateEntry, field: paths == .file ? "groupsToRemove[\(index)]" : "groupId", "group both added and removed")
            }
            groups[key] = nil
        }
        seen = []
        for (index, input) in file.keysToAdd.enumerated() {
            let (write, record) = try tenantKey(input, at: paths.entry("keysToAdd", index))
            guard seen.insert(record.tableKey).inserted else {
                throw MembershipError(.duplicateEntry, field: field(paths.entry("keysToAdd", index), "privateKey"), "key listed twice for this tenant")
            }
            writes.append(write)
            keys[record.tableKey] = record
        }
        // Identity removals before additions' checks: a member may be removed and re-added.
        for (list, references, table, kind) in [
            ("identitiesToRemove", file.identitiesToRemove, HostedIdentity.tableName, "identity"),
            ("membersToRemove", file.membersToRemove, MemberInfo.tableName, "member"),
        ] {
            for (index, reference) in references.enumerated() {
                let identity = try holdingIdentity(reference.x500Name, reference.groupId, at: paths.entry(list, index))
                let key = MembershipTables.identityKey(identity.description)
                removals.append(remove(table: table, key: key, kind: kind, subject: identity.description))
                if kind == "member" { members[key] = nil } else { identities[key] = nil }
            }
        }
        seen = []
        for (index, input) in file.membersToAdd.enumerated() {
            let entry = paths.entry("membersToAdd", index)
            let member = try member(input, at: entry)
            guard seen.insert(member.tableKey).inserted else {
                throw MembershipError(.duplicateEntry, field: field(entry, "x500Name"), "member listed twice")
            }
            writes.append(compareAndPut(member, kind: "member", subject: member.holdingIdentity.description))
            members[member.tableKey] = member
        }
        seen = []
        for (index, input) in file.identitiesToAdd.enumerated() {
            let entry = paths.entry("identitiesToAdd", index)
            let identity = try identity(input, at: entry)
            guard seen.insert(identity.tableKey).inserted else {
                throw MembershipError(.duplicateEntry, field: field(entry, "x500Name"), "identity listed twice")
            }
            writes.append(compareAndPut(identity, kind: "identity", subject: identity.holdingIdentity.description))
            identities[identity.tableKey] = identity
        }
        for (index, key) in removedGroups.enumerated() {
            let groupID = file.groupsToRemove[index]
            let inUse = members.values.contains { $0.holdingIdentity.groupID.value == groupID }
                || identities.values.contains { $0.holdingIdentity.groupID.value == groupID }
            if inUse {
                throw MembershipError(
                    .groupInUse, field: paths == .file ? "groupsToRemove[\(index)]" : "groupId",
                    "group \(groupID) still has members or hosted identities: remove them too")
            }
            removals.append(remove(table: GroupPolicy.tableName, key: key, kind: "group", subject: groupID))
        }
        return writes + removals
    }

    // MARK: Records

    func compareAndPut<R: MembershipRecord>(_ record: R, kind: String, subject: String) -> PlannedWrite {
        let bytes = record.encoded()
        let existing = state.entry(R.tableName, record.tableKey)
        let action: SetupChange.Action = existing == nil ? .added : (existing!.value == bytes ? .unchanged : .updated)
        return PlannedWrite(
            action, kind: kind, subject: subject, table: R.tableName, key: record.tableKey,
            operation: action == .unchanged ? .none : .put(bytes))
    }

    func remove(table: String, key: String, kind: String, subject: String) -> PlannedWrite {
        let present = state.entry(table, key) != nil
        return PlannedWrite(present ? .removed : .absent, kind: kind, subject: subject, table: table, key: key,
            operation: present ? .delete : .none)
    }

    func configure<C: ComponentConfiguration>(_ configuration: C, field: String) throws(MembershipError) -> PlannedWrite {
        try configuration.validate(prefix: field)
        return compareAndPut(ConfigurationRecord(configuration), kind: "configuration", subject: C.configurationKey)
    }

    func groupID(_ text: String, field: String) throws(MembershipError) -> GroupID {
        do {
            return try GroupID(text)
        } catch {
            throw MembershipError(.invalidField, field: field, "invalid group id: \(error.code.name): \(error.detail)")
        }
    }

    func holdingIdentity(_ name: String, _ group: String, at entry: String) throws(MembershipError) -> HoldingIdentity {
        let x500: X500Name
        do {
            x500 = try X500Name(name)
        } catch {
            throw MembershipError(.invalidX500Name, field: field(entry, "x500Name"), "\(error.code.name): \(error.detail)")
        }
        return HoldingIdentity(name: x500, groupID: try groupID(group, field: field(entry, "groupId")))
    }

    func knownGroup(_ groupID: GroupID, field: String) throws(MembershipError) -> GroupPolicy {
        guard let policy = groups[MembershipTables.groupKey(groupID.value)] else {
            throw MembershipError(.unknownGroup, field: field, "no group \(groupID.value) is stored or added by this request")
        }
        return policy
    }

    func groupRemovals(_ groupIDs: [String]) throws(MembershipError) -> [String] {
        var keys: [String] = []
        for (index, text) in groupIDs.enumerated() {
            let id = try groupID(text, field: paths == .file ? "groupsToRemove[\(index)]" : "groupId")
            keys.append(MembershipTables.groupKey(id.value))
        }
        return keys
    }

    func group(_ input: GroupInput, at entry: String) throws(MembershipError) -> GroupPolicy {
        let id = try groupID(input.groupId, field: field(entry, "groupId"))
        guard !input.protocolModes.isEmpty else {
            throw MembershipError(.invalidField, field: field(entry, "protocolModes"), "must name at least one mode")
        }
        var modes: [GroupProtocolMode] = []
        for (index, name) in input.protocolModes.enumerated() {
            guard let mode = GroupProtocolMode(rawValue: name) else {
                throw MembershipError(
                    .invalidField, field: field(entry, "protocolModes[\(index)]"),
                    "must be one of \(GroupProtocolMode.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            modes.append(mode)
        }
        guard !input.trustRootCertificates.isEmpty, input.trustRootCertificates.count <= TrustStore.maximumRoots else {
            throw MembershipError(
                .invalidField, field: field(entry, "trustRootCertificates"), "must hold 1…\(TrustStore.maximumRoots) certificates")
        }
        var roots: [String] = []
        for (index, pem) in input.trustRootCertificates.enumerated() {
            let certificate = try Self.certificate(pem, field: field(entry, "trustRootCertificates[\(index)]"))
            guard certificate.isCertificateAuthority else {
                throw MembershipError(
                    .invalidField, field: field(entry, "trustRootCertificates[\(index)]"), "must be a CA certificate (CA:TRUE)")
            }
            roots.append(Self.canonicalPEM(certificate, pem))
        }
        guard GroupParameters.maxMessageSizeRange.contains(input.maxMessageSize) else {
            throw MembershipError(
                .invalidField, field: field(entry, "maxMessageSize"),
                "must be between \(GroupParameters.maxMessageSizeRange.lowerBound) and \(GroupParameters.maxMessageSizeRange.upperBound) bytes")
        }
        return GroupPolicy(
            groupId: id, protocolModes: modes, trustRootCertificates: roots,
            parameters: GroupParameters(maxMessageSize: input.maxMessageSize))
    }

    static func certificate(_ pem: String, field: String) throws(MembershipError) -> Certificate {
        do {
            let chain = try Certificate.chain(pemEncoded: pem, maximumCount: 2)
            guard chain.count == 1 else {
                throw MembershipError(.invalidField, field: field, "must hold exactly one PEM certificate")
            }
            return chain[0]
        } catch let error as MembershipError {
            throw error
        } catch {
            throw MembershipError(.invalidField, field: field, "not a PEM certificate")
        }
    }

    /// OpenSSL's PEM of a parsed certificate, so that spelling differences (line breaks, text around
    /// the PEM block) do not count as changes.
    static func canonicalPEM(_ certificate: Certificate, _ input: String) -> String {
        (try? certificate.pemRepresentation) ?? input
    }

    func tenantID(_ text: String, field: String) throws(MembershipError) -> String {
        guard !text.isEmpty, text.utf8.count <= TenantKey.maximumTenantIDBytes,
            !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else {
            throw MembershipError(
                .invalidField, field: field, "a tenant id is 1…\(TenantKey.maximumTenantIDBytes) bytes without control characters")
        }
        return text
    }

    func tenantKey(_ input: KeysInput, at entry: String) throws(MembershipError) -> (PlannedWrite, TenantKey) {
        let tenant = try tenantID(input.tenantId, field: field(entry, "tenantId"))
        let privateKey: PrivateKey
        do {
            guard input.privateKey.utf8.count <= 16 * 1024 else { throw X509Error(.inputTooLarge) }
            privateKey = try PrivateKey(pemEncoded: input.privateKey)
        } catch {
            throw MembershipError(
                .invalidKey, field: field(entry, "privateKey"),
                "not a PEM private key (PKCS#8, or traditional RSA / EC) of Ed25519, EC P-256 or RSA")
        }
        guard let clusterKey else {
            throw MembershipError(.clusterKeyRequired, field: field(entry, "privateKey"), "keys are sealed under the cluster key: pass --cluster-key <file>")
        }
        let keyID = MembershipTables.keyID(publicKeyDER: privateKey.publicKey.derRepresentation)
        let tableKey = MembershipTables.tenantKeyKey(tenantID: tenant, keyID: keyID)
        let subject = "tenant \(tenant) key \(keyID)"
        // Sealing is randomised: compare what the record says, not its bytes.
        if let stored = keys[tableKey], stored.tenantId == tenant, stored.keyId == keyID,
            stored.sealedPrivateKey.clusterKeyId == clusterKey.keyID, state.entry(TenantKey.tableName, tableKey) != nil
        {
            return (PlannedWrite(.unchanged, kind: "key", subject: subject, table: TenantKey.tableName, key: tableKey, operation: .none), stored)
        }
        let record = try TenantKey(tenantID: tenant, privateKey: privateKey, clusterKey: clusterKey)
        let action: SetupChange.Action = state.entry(TenantKey.tableName, tableKey) == nil ? .added : .updated
        return (PlannedWrite(action, kind: "key", subject: subject, table: TenantKey.tableName, key: tableKey, operation: .put(record.encoded())), record)
    }

    func endpoint(_ text: String, field: String) throws(MembershipError) -> String {
        guard text.utf8.count <= 2048, let url = URLComponents(string: text), url.scheme?.lowercased() == "https",
            let host = url.host, !host.isEmpty, url.user == nil, url.password == nil, url.query == nil, url.fragment == nil,
            (url.port.map { (1...65_535).contains($0) } ?? true)
        else {
            throw MembershipError(
                .invalidEndpoint, field: field, "must be an https URL (https://host[:port][/path], no user, query or fragment)")
        }
        return text
    }

    func member(_ input: MemberInput, at entry: String) throws(MembershipError) -> MemberInfo {
        let identity = try holdingIdentity(input.x500Name, input.groupId, at: entry)
        _ = try knownGroup(identity.groupID, field: field(entry, "groupId"))
        guard !input.endpoints.isEmpty, input.endpoints.count <= 16 else {
            throw MembershipError(.invalidEndpoint, field: field(entry, "endpoints"), "must list 1…16 https URLs")
        }
        var endpoints: [String] = []
        for (index, text) in input.endpoints.enumerated() {
            endpoints.append(try endpoint(text, field: field(entry, "endpoints[\(index)]")))
        }
        guard !input.sessionPublicKeys.isEmpty, input.sessionPublicKeys.count <= 8 else {
            throw MembershipError(.invalidKey, field: field(entry, "sessionPublicKeys"), "must list 1…8 Ed25519 public keys")
        }
        var sessionKeys: [String] = []
        for (index, pem) in input.sessionPublicKeys.enumerated() {
            let key = try SessionKeyPEM.verifyingKey(pem: pem, field: field(entry, "sessionPublicKeys[\(index)]"))
            sessionKeys.append(SessionKeyPEM.pem(for: key))
        }
        guard let status = MemberStatus(rawValue: input.status) else {
            throw MembershipError(.invalidField, field: field(entry, "status"), "must be ACTIVE or SUSPENDED")
        }
        var member = MemberInfo(holdingIdentity: identity, endpoints: endpoints, sessionPublicKeys: sessionKeys, status: status, serial: 1)
        // The serial: kept when nothing else changes, increased when something does.
        let stored = state.entry(MemberInfo.tableName, member.tableKey).flatMap { try? MemberInfo.decode($0) }
        if let stored {
            member.serial = stored.serial
            let unchanged = member == stored
            if let serial = input.serial {
                // Re-applying an older file that differs only in its serial changes nothing.
                if unchanged && serial <= stored.serial {
                    return member
                }
                guard serial > stored.serial else {
                    throw MembershipError(
                        .serialNotIncreasing, field: field(entry, "serial"),
                        "must be greater than the stored serial \(stored.serial) when the member changes")
                }
                member.serial = serial
            } else if !unchanged {
                member.serial = stored.serial + 1
            }
        } else if let serial = input.serial {
            guard serial >= 1 else { throw MembershipError(.invalidField, field: field(entry, "serial"), "must be at least 1") }
            member.serial = serial
        }
        return member
    }

    func identity(_ input: IdentityInput, at entry: String) throws(MembershipError) -> HostedIdentity {
        let holding = try holdingIdentity(input.x500Name, input.groupId, at: entry)
        let policy = try knownGroup(holding.groupID, field: field(entry, "groupId"))
        guard !input.tlsCertificates.isEmpty, input.tlsCertificates.count <= TrustStore.maximumChainDepth + 1 else {
            throw MembershipError(
                .invalidField, field: field(entry, "tlsCertificates"), "must hold the leaf and at most \(TrustStore.maximumChainDepth) intermediates")
        }
        var chain: [Certificate] = []
        for (index, pem) in input.tlsCertificates.enumerated() {
            chain.append(try Self.certificate(pem, field: field(entry, "tlsCertificates[\(index)]")))
        }
        do {
            let roots = try policy.trustRootCertificates.map { pem throws(X509Error) in try Certificate(pemEncoded: pem) }
            try TrustStore(roots: roots).verify(chain[0], intermediates: Array(chain.dropFirst()), at: now)
        } catch {
            throw MembershipError(
                .untrustedCertificate, field: field(entry, "tlsCertificates"),
                "does not chain to the trust roots of group \(holding.groupID.value): \(error.detail)")
        }
        let sessionKey = try SessionKeyPEM.verifyingKey(pem: input.sessionPublicKey, field: field(entry, "sessionPublicKey"))
        let sessionPEM = SessionKeyPEM.pem(for: sessionKey)
        let tlsTenant = try tenantID(input.tlsTenantId, field: field(entry, "tlsTenantId"))
        let sessionTenant = try tenantID(input.sessionKeyTenantId, field: field(entry, "sessionKeyTenantId"))
        guard let leafKey = chain[0].publicKey else {
            throw MembershipError(.invalidKey, field: field(entry, "tlsCertificates[0]"), "the leaf's public key is not readable")
        }
        try requireKey(tenant: tlsTenant, publicKeyDER: leafKey.derRepresentation, field: field(entry, "tlsTenantId"), what: "the TLS leaf certificate's public key")
        let sessionDER = (try? PublicKey(pemEncoded: sessionPEM).derRepresentation) ?? []
        try requireKey(tenant: sessionTenant, publicKeyDER: sessionDER, field: field(entry, "sessionKeyTenantId"), what: "sessionPublicKey")
        return HostedIdentity(
            holdingIdentity: holding, tlsTenantId: tlsTenant, sessionKeyTenantId: sessionTenant,
            tlsCertificates: zip(chain, input.tlsCertificates).map { Self.canonicalPEM($0, $1) }, sessionPublicKey: sessionPEM)
    }

    func requireKey(tenant: String, publicKeyDER: [UInt8], field: String, what: String) throws(MembershipError) {
        let key = MembershipTables.tenantKeyKey(tenantID: tenant, keyID: MembershipTables.keyID(publicKeyDER: publicKeyDER))
        if keys[key] != nil { return }
        let tenantHasKeys = keys.values.contains { $0.tenantId == tenant }
        throw MembershipError(
            .unknownTenant, field: field,
            tenantHasKeys
                ? "tenant \(tenant) has uploaded keys, but none matches \(what)"
                : "tenant \(tenant) matches no uploaded key: add its key pair first (add-keys / keysToAdd)")
    }
}
