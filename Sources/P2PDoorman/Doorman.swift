public import Foundation
public import P2PX509

/// The doorman: takes PKCS#10 requests, decides under an ``ApprovalPolicy``, issues chains with its
/// ``DoormanAuthority`` and keeps every request in a durable store under its home directory.
///
/// Thread-safe: every change happens under the store's file lock, shared with other processes
/// (`p2p doorman approve` while `p2p doorman serve` runs). Methods block on disk I/O; call them off
/// an event loop.
public final class Doorman: Sendable {
    /// What the server does with requests.
    public struct Configuration: Sendable {
        public var policy: ApprovalPolicy
        /// The `max-age` sent with a pending answer, in seconds.
        public var pollIntervalSeconds: Int
        /// Validity of issued certificates, in days.
        public var validityDays: Int
        /// Whether node CA certificates carry critical NameConstraints for their own name.
        public var nameConstraints: Bool
        /// Requests pending at once, at most ``DoormanLimits/maximumPendingRequests``.
        public var maximumPendingRequests: Int

        public init(
            policy: ApprovalPolicy, pollIntervalSeconds: Int = DoormanLimits.defaultPollInterval,
            validityDays: Int = DoormanAuthority.defaultIssuedDays, nameConstraints: Bool = false,
            maximumPendingRequests: Int = DoormanLimits.maximumPendingRequests
        ) {
            self.policy = policy
            self.pollIntervalSeconds = pollIntervalSeconds
            self.validityDays = validityDays
            self.nameConstraints = nameConstraints
            self.maximumPendingRequests = maximumPendingRequests
        }
    }

    public let home: DoormanHome
    public let authority: DoormanAuthority
    public let configuration: Configuration
    private let store: RequestStore

    /// Opens the doorman under `home` (initialised by ``DoormanAuthority/initialise(home:existingCA:days:now:)``).
    public init(home: DoormanHome, configuration: Configuration) throws(DoormanError) {
        guard (1...DoormanLimits.maximumPollInterval).contains(configuration.pollIntervalSeconds) else {
            throw DoormanError(.invalidConfiguration, "poll interval must be 1…\(DoormanLimits.maximumPollInterval) s")
        }
        guard (1...CertificateProfile.maximumValidityDays).contains(configuration.validityDays) else {
            throw DoormanError(.invalidConfiguration, "validity must be 1…\(CertificateProfile.maximumValidityDays) days")
        }
        guard (1...DoormanLimits.maximumPendingRequests).contains(configuration.maximumPendingRequests) else {
            throw DoormanError(.invalidConfiguration, "at most \(DoormanLimits.maximumPendingRequests) pending requests")
        }
        self.home = home
        self.configuration = configuration
        authority = try DoormanAuthority.load(home: home)
        store = try RequestStore(home: home)
    }

    /// Validates and stores a request, then applies the policy. Returns its id once it is durable.
    public func submit(der: [UInt8], now: Date = Date()) throws(DoormanError) -> RequestID {
        let validated = try ValidatedRequest(der: der)
        return try store.locked { () throws(DoormanError) -> RequestID in
            let pending = try store.all().count { $0.status == .pending }
            guard pending < configuration.maximumPendingRequests else {
                throw DoormanError(.tooManyPendingRequests, "\(pending) requests are pending")
            }
            let id = RequestID.random()
            var record = RequestRecord(id: id, validated: validated, submittedAt: now)
            var lifecycle = RequestLifecycle()
            let claim = try store.claim(of: record.legalName, keyFingerprint: record.keyFingerprint)
            switch try lifecycle.admit(policy: configuration.policy, claim: claim) {
            case .persist: break
            case .issue: try issue(validated, &lifecycle, &record, now: now)
            }
            record.record(lifecycle.state, at: now)
            try store.write(record)
            return id
        }
    }

    /// What a poll of `id` answers; `.unknownRequest` when there is no such request.
    public func poll(_ id: RequestID) throws(DoormanError) -> PollResult {
        guard let record = try store.read(id) else { throw DoormanError(.unknownRequest, "\(id)") }
        return RequestLifecycle(restoring: record.state).poll(retryAfterSeconds: configuration.pollIntervalSeconds)
    }

    /// Approves a pending request: issues its chain (leaf first) and stores it.
    @discardableResult
    public func approve(_ id: RequestID, now: Date = Date()) throws(DoormanError) -> [Certificate] {
        try store.locked { () throws(DoormanError) -> [Certificate] in
            guard var record = try store.read(id) else { throw DoormanError(.unknownRequest, "\(id)") }
            var lifecycle = RequestLifecycle(restoring: record.state)
            let claim = try store.claim(of: record.legalName, keyFingerprint: record.keyFingerprint)
            guard try lifecycle.approve(claim: claim) == .issue else { return [] }
            let validated = try ValidatedRequest(der: Array(record.request))
            let chain = try issue(validated, &lifecycle, &record, now: now)
            record.record(lifecycle.state, at: now)
            try store.write(record)
            return chain
        }
    }

    /// Rejects a request not yet decided, with a one-line reason the node is shown.
    public func reject(_ id: RequestID, reason: String, now: Date = Date()) throws(DoormanError) {
        try store.locked { () throws(DoormanError) in
            guard var record = try store.read(id) else { throw DoormanError(.unknownRequest, "\(id)") }
            var lifecycle = RequestLifecycle(restoring: record.state)
            _ = try lifecycle.reject(reason: reason)
            record.record(lifecycle.state, at: now)
            try store.write(record)
        }
    }

    /// Every stored request, oldest first.
    public func requests() throws(DoormanError) -> [RequestRecord] { try store.all() }

    /// Issues under the lock: claims the name (before the request file says approved), then reports
    /// the chain to the lifecycle.
    @discardableResult
    private func issue(
        _ validated: ValidatedRequest, _ lifecycle: inout RequestLifecycle, _ record: inout RequestRecord, now: Date
    ) throws(DoormanError) -> [Certificate] {
        let chain = try authority.issue(
            validated, days: configuration.validityDays, nameConstraints: configuration.nameConstraints, now: now)
        try store.recordIssued(record.legalName, keyFingerprint: record.keyFingerprint, id: record.id)
        _ = try lifecycle.issued(chain: chain.map(\.derRepresentation))
        return chain
    }
}
