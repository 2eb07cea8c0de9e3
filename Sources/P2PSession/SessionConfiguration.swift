public import P2PCrypto

/// What the initiator knows before it starts: its identity, the peer's, the group and its preferences.
public struct InitiatorConfiguration: Sendable {
    public var identity: Ed25519.SigningKey
    public var responderIdentity: Ed25519.VerifyingKey
    public var groupID: String
    public var supportedModes: ProtocolModes
    public var maxMessageSize: Int

    public init(
        identity: Ed25519.SigningKey, responderIdentity: Ed25519.VerifyingKey, groupID: String,
        supportedModes: ProtocolModes = .all, maxMessageSize: Int = 1024 * 1024
    ) {
        self.identity = identity
        self.responderIdentity = responderIdentity
        self.groupID = groupID
        self.supportedModes = supportedModes
        self.maxMessageSize = maxMessageSize
    }

    func validate() throws(SessionError) {
        try Validate.groupID(groupID, code: .invalidConfiguration)
        try Validate.modes(supportedModes, code: .invalidConfiguration)
        try validateMaxMessageSize(maxMessageSize)
    }
}

/// The responder's preferences; the identity is found per handshake through a ``SessionKeyLookup``.
public struct ResponderConfiguration: Sendable {
    public var supportedModes: ProtocolModes
    public var maxMessageSize: Int

    public init(supportedModes: ProtocolModes = .all, maxMessageSize: Int = 1024 * 1024) {
        self.supportedModes = supportedModes
        self.maxMessageSize = maxMessageSize
    }

    func validate() throws(SessionError) {
        try Validate.modes(supportedModes, code: .invalidConfiguration)
        try validateMaxMessageSize(maxMessageSize)
    }
}

private func validateMaxMessageSize(_ size: Int) throws(SessionError) {
    guard size >= SessionLimits.minimumMaxMessageSize else {
        throw SessionError(
            .maxMessageSizeBelowFloor, "configured \(size), floor \(SessionLimits.minimumMaxMessageSize)")
    }
    guard size <= SessionLimits.maximumMaxMessageSize else {
        throw SessionError(
            .invalidConfiguration, "maximum message size \(size) above \(SessionLimits.maximumMaxMessageSize)")
    }
}

/// What both sides agreed, available once the handshake is established.
public struct SessionParameters: Sendable, Hashable {
    public let sessionID: [UInt8]
    public let role: SessionRole
    public let mode: ProtocolMode
    /// The largest payload of one data message, in bytes.
    public let maxMessageSize: Int
    public let groupID: String
    public let initiatorKeyHash: [UInt8]
    public let responderKeyHash: [UInt8]
}
