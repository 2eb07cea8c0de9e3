/// Where one certificate request stands.
public enum RequestState: Hashable, Sendable {
    /// Validated, not yet stored or decided.
    case submitted
    /// Stored, waiting for an operator.
    case pending
    /// Issued: the chain's DER certificates, leaf first.
    case approved(chain: [[UInt8]])
    /// Refused, with a one-line reason for the node.
    case rejected(reason: String)

    /// Whether no further decision can be made.
    public var isFinal: Bool {
        switch self {
        case .submitted, .pending: false
        case .approved, .rejected: true
        }
    }
}

/// What a poll of a request answers (HTTP 204, 200 or 401).
public enum PollResult: Hashable, Sendable {
    /// Not decided: ask again after this many seconds.
    case pending(retryAfterSeconds: Int)
    /// The chain's DER certificates, leaf first.
    case approved(chain: [[UInt8]])
    case rejected(reason: String)
}

/// The lifecycle of one certificate request as a pure state machine: submitted → pending →
/// approved(chain) or rejected(reason). Events come in, actions for the driver come out; no I/O.
public struct RequestLifecycle: Hashable, Sendable {
    /// What the driver must do next.
    public enum Action: Hashable, Sendable {
        /// Write the request in its current state durably.
        case persist
        /// Issue the certificate chain, then report it with ``RequestLifecycle/issued(chain:)``.
        case issue
    }

    public private(set) var state: RequestState
    /// Set once ``Action/issue`` was returned, until the chain is reported.
    public private(set) var isIssuing = false

    /// A request just validated.
    public init() { state = .submitted }

    /// A request read back from the store.
    public init(restoring state: RequestState) { self.state = state }

    /// Applies the policy to a freshly validated request.
    public mutating func admit(policy: ApprovalPolicy, claim: NameClaim) throws(DoormanError) -> Action {
        guard state == .submitted, !isIssuing else { throw DoormanError(.invalidTransition, "admit in \(stateName)") }
        if claim == .heldByAnotherKey {
            state = .rejected(reason: Self.nameTakenReason)
            return .persist
        }
        switch policy {
        case .auto:
            isIssuing = true
            return .issue
        case .manual:
            state = .pending
            return .persist
        }
    }

    /// An operator approves a pending request.
    public mutating func approve(claim: NameClaim) throws(DoormanError) -> Action {
        guard state == .pending, !isIssuing else { throw DoormanError(.invalidTransition, "approve in \(stateName)") }
        guard claim != .heldByAnotherKey else {
            throw DoormanError(.nameAlreadyIssued, "the legal name is already issued to another key; reject the request")
        }
        isIssuing = true
        return .issue
    }

    /// The chain for an ``Action/issue`` was made.
    public mutating func issued(chain: [[UInt8]]) throws(DoormanError) -> Action {
        guard isIssuing, !state.isFinal else { throw DoormanError(.invalidTransition, "issued in \(stateName)") }
        guard !chain.isEmpty, chain.count <= DoormanLimits.maximumChainLength else {
            throw DoormanError(.issuanceFailed, "chain of \(chain.count) certificates")
        }
        isIssuing = false
        state = .approved(chain: chain)
        return .persist
    }

    /// An operator (or the driver, when issuance failed) rejects a request not yet decided.
    public mutating func reject(reason: String) throws(DoormanError) -> Action {
        guard !state.isFinal else { throw DoormanError(.invalidTransition, "reject in \(stateName)") }
        try Self.validate(reason: reason)
        isIssuing = false
        state = .rejected(reason: reason)
        return .persist
    }

    /// What a poll answers now.
    public func poll(retryAfterSeconds: Int) -> PollResult {
        switch state {
        case .submitted, .pending: .pending(retryAfterSeconds: min(max(retryAfterSeconds, 1), DoormanLimits.maximumPollInterval))
        case .approved(let chain): .approved(chain: chain)
        case .rejected(let reason): .rejected(reason: reason)
        }
    }

    /// The reason given when the legal name is held by another key.
    public static let nameTakenReason = "the legal name is already issued to another key"

    /// A reason is one line of 1…``DoormanLimits/maximumReasonLength`` UTF-8 bytes without control characters.
    public static func validate(reason: String) throws(DoormanError) {
        guard !reason.isEmpty, reason.utf8.count <= DoormanLimits.maximumReasonLength,
            !reason.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else {
            throw DoormanError(
                .invalidReason, "a reason is one line of 1…\(DoormanLimits.maximumReasonLength) bytes without control characters")
        }
    }

    private var stateName: String {
        switch state {
        case .submitted: "submitted"
        case .pending: "pending"
        case .approved: "approved"
        case .rejected: "rejected"
        }
    }
}
