/// A handshake or data message that failed a check: which rule, and where in our code it was detected.
///
/// `description` never prints key bytes, key hashes, payloads or group contents beyond lengths.
public struct SessionError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What failed. Numbers are stable (see `docs/error-codes.md`, range 320–339).
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: Int
        public let name: String
        private init(_ rawValue: Int, _ name: String) {
            self.rawValue = rawValue
            self.name = name
        }
        public var description: String { "\(name) (\(rawValue))" }

        /// A header (associated data), ciphertext, tag or finished MAC was changed in transit.
        public static let tamperedMessage = Code(320, "tampered message")
        /// The peer's identity key is not the expected one: a key hash differs or a signature does not verify.
        public static let wrongIdentityKey = Code(321, "wrong identity key")
        /// No locally hosted identity has the responder key hash the initiator asked for.
        public static let unknownResponderKeyHash = Code(322, "unknown responder key hash")
        /// The group id differs between the hello and the handshake, or the identity is not hosted in that group.
        public static let wrongGroup = Code(323, "wrong group")
        /// The negotiated mode is weaker than the strongest one both sides support.
        public static let modeDowngrade = Code(324, "mode downgrade")
        /// A data message with a sequence number already received.
        public static let replayedMessage = Code(325, "replayed message")
        /// A data message with a sequence number below the anti-replay window.
        public static let sequenceNumberTooOld = Code(326, "sequence number too old")
        /// A payload larger than the negotiated maximum message size.
        public static let messageTooLarge = Code(327, "message too large")
        /// A proposed maximum message size below the protocol floor.
        public static let maxMessageSizeBelowFloor = Code(328, "maximum message size below floor")
        /// The initiator's key hash names no member of the group.
        public static let unknownInitiatorKeyHash = Code(329, "unknown initiator key hash")
        /// The two sides have no protocol mode in common (or the responder chose one not offered).
        public static let noCommonMode = Code(330, "no common mode")
        /// An encoding that does not follow `docs/session-protocol.md` §3 (lengths, type, version, values).
        public static let malformedMessage = Code(331, "malformed message")
        /// A message that does not fit the handshake's state (out of order, or a different retransmission).
        public static let unexpectedMessage = Code(332, "unexpected message")
        /// `seal` was called with a sequence number other than `nextSequenceNumber` (would reuse a nonce).
        public static let sequenceNumberNotNext = Code(333, "sequence number not next")
        /// The sequence number reached `TransportLimits.rejectAfterMessages`: a new session is required.
        public static let sequenceNumbersExhausted = Code(334, "sequence numbers exhausted")
        /// The caller-supplied output buffer is too small.
        public static let outputBufferTooSmall = Code(335, "output buffer too small")
        /// A local configuration outside the protocol's limits (modes, group id, maximum message size).
        public static let invalidConfiguration = Code(336, "invalid configuration")
        /// The peer's ephemeral key is a low-order point (the X25519 result is all zero).
        public static let weakEphemeralKey = Code(337, "weak ephemeral key")
        /// The responder's agreed maximum message size exceeds the initiator's proposal.
        public static let maxMessageSizeMismatch = Code(338, "maximum message size mismatch")
        /// `transportSession()` was called before the handshake finished.
        public static let handshakeNotFinished = Code(339, "handshake not finished")
    }

    public let code: Code
    public let detail: String
    public let file: String
    public let line: Int

    public init(_ code: Code, _ detail: String = "", file: String = #fileID, line: Int = #line) {
        self.code = code
        self.detail = detail
        self.file = file
        self.line = line
    }

    public var description: String {
        detail.isEmpty ? "SessionError: \(code)" : "SessionError: \(code): \(detail)"
    }

    /// Errors are equal when their codes are: tests assert on codes, not on wording.
    public static func == (lhs: SessionError, rhs: SessionError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
