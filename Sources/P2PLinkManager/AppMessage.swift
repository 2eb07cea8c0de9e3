public import P2PIdentity

/// The header of a reliable, end-to-end authenticated application message (Corda's
/// `AuthenticatedMessageHeader`).
public struct AuthenticatedMessageHeader: Hashable, Sendable {
    public var destination: HoldingIdentity
    public var source: HoldingIdentity
    /// Absolute deadline in milliseconds since the Unix epoch; `nil` = none.
    public var ttl: UInt64?
    public var messageID: MessageID
    /// At most ``AppRecordLimits/maximumTraceIDLength`` UTF-8 bytes; `nil` = none.
    public var traceID: String?
    /// At most ``AppRecordLimits/maximumSubsystemLength`` UTF-8 bytes.
    public var subsystem: String

    public init(
        destination: HoldingIdentity, source: HoldingIdentity, ttl: UInt64?, messageID: MessageID,
        traceID: String? = nil, subsystem: String = ""
    ) {
        self.destination = destination
        self.source = source
        self.ttl = ttl == 0 ? nil : ttl
        self.messageID = messageID
        self.traceID = traceID?.isEmpty == true ? nil : traceID
        self.subsystem = subsystem
    }

    /// Corda's `ttlExpired`: `now ≥ ttl`.
    public func isExpired(now: UInt64) -> Bool {
        guard let ttl else { return false }
        return now >= ttl
    }
}

/// A reliable, end-to-end authenticated application message.
public struct AuthenticatedMessage: Hashable, Sendable {
    public var header: AuthenticatedMessageHeader
    public var payload: [UInt8]

    public init(header: AuthenticatedMessageHeader, payload: [UInt8]) {
        self.header = header
        self.payload = payload
    }
}

/// The header of a fire-and-forget application message.
public struct UnauthenticatedMessageHeader: Hashable, Sendable {
    public var destination: HoldingIdentity
    public var source: HoldingIdentity
    public var messageID: MessageID
    public var subsystem: String

    public init(destination: HoldingIdentity, source: HoldingIdentity, messageID: MessageID, subsystem: String = "") {
        self.destination = destination
        self.source = source
        self.messageID = messageID
        self.subsystem = subsystem
    }
}

/// A fire-and-forget application message: no session, no markers, no acknowledgement.
public struct UnauthenticatedMessage: Hashable, Sendable {
    public var header: UnauthenticatedMessageHeader
    public var payload: [UInt8]

    public init(header: UnauthenticatedMessageHeader, payload: [UInt8]) {
        self.header = header
        self.payload = payload
    }
}

/// The value of a `p2p.out` or `p2p.in` record (`docs/app-records.md` §2).
public enum AppMessage: Hashable, Sendable {
    case authenticated(AuthenticatedMessage)
    case unauthenticated(UnauthenticatedMessage)

    public var messageID: MessageID {
        switch self {
        case .authenticated(let m): m.header.messageID
        case .unauthenticated(let m): m.header.messageID
        }
    }

    public var source: HoldingIdentity {
        switch self {
        case .authenticated(let m): m.header.source
        case .unauthenticated(let m): m.header.source
        }
    }

    public var destination: HoldingIdentity {
        switch self {
        case .authenticated(let m): m.header.destination
        case .unauthenticated(let m): m.header.destination
        }
    }
}

extension AuthenticatedMessage: CustomStringConvertible {
    /// Names the header; never the payload bytes.
    public var description: String {
        "AuthenticatedMessage(\(header.messageID) \(header.source) → \(header.destination), \(payload.count) bytes)"
    }
}

extension UnauthenticatedMessage: CustomStringConvertible {
    /// Names the header; never the payload bytes.
    public var description: String {
        "UnauthenticatedMessage(\(header.messageID) \(header.source) → \(header.destination), \(payload.count) bytes)"
    }
}
