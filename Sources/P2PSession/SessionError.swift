@_exported public import P2PErrors

/// A handshake or data message that failed a check: which rule, and where in our code it was detected.
///
/// `description` never prints key bytes, key hashes, payloads or group contents beyond lengths.
public typealias SessionError = CodedError<SessionErrorDomain>

/// The domain of ``SessionError``.
public enum SessionErrorDomain: ErrorDomain {
    public static let name = "SessionError"
}

/// What can fail. Numbers are stable (see `docs/error-codes.md`, range 320–339).
extension CodedError.Code where Domain == SessionErrorDomain {
    /// A header (associated data), ciphertext, tag or finished MAC was changed in transit.
    public static var tamperedMessage: Self { Self(320, "tampered message") }
    /// The peer's identity key is not the expected one: a key hash differs or a signature does not verify.
    public static var wrongIdentityKey: Self { Self(321, "wrong identity key") }
    /// No locally hosted identity has the responder key hash the initiator asked for.
    public static var unknownResponderKeyHash: Self { Self(322, "unknown responder key hash") }
    /// The group id differs between the hello and the handshake, or the identity is not hosted in that group.
    public static var wrongGroup: Self { Self(323, "wrong group") }
    /// The negotiated mode is weaker than the strongest one both sides support.
    public static var modeDowngrade: Self { Self(324, "mode downgrade") }
    /// A data message with a sequence number already received.
    public static var replayedMessage: Self { Self(325, "replayed message") }
    /// A data message with a sequence number below the anti-replay window.
    public static var sequenceNumberTooOld: Self { Self(326, "sequence number too old") }
    /// A payload larger than the negotiated maximum message size.
    public static var messageTooLarge: Self { Self(327, "message too large") }
    /// A proposed maximum message size below the protocol floor.
    public static var maxMessageSizeBelowFloor: Self { Self(328, "maximum message size below floor") }
    /// The initiator's key hash names no member of the group.
    public static var unknownInitiatorKeyHash: Self { Self(329, "unknown initiator key hash") }
    /// The two sides have no protocol mode in common (or the responder chose one not offered).
    public static var noCommonMode: Self { Self(330, "no common mode") }
    /// An encoding that does not follow `docs/session-protocol.md` §3 (lengths, type, version, values).
    public static var malformedMessage: Self { Self(331, "malformed message") }
    /// A message that does not fit the handshake's state (out of order, or a different retransmission).
    public static var unexpectedMessage: Self { Self(332, "unexpected message") }
    /// `seal` was called with a sequence number other than `nextSequenceNumber` (would reuse a nonce).
    public static var sequenceNumberNotNext: Self { Self(333, "sequence number not next") }
    /// The sequence number reached `TransportLimits.rejectAfterMessages`: a new session is required.
    public static var sequenceNumbersExhausted: Self { Self(334, "sequence numbers exhausted") }
    /// The caller-supplied output buffer is too small.
    public static var outputBufferTooSmall: Self { Self(335, "output buffer too small") }
    /// A local configuration outside the protocol's limits (modes, group id, maximum message size).
    public static var invalidConfiguration: Self { Self(336, "invalid configuration") }
    /// The peer's ephemeral key is a low-order point (the X25519 result is all zero).
    public static var weakEphemeralKey: Self { Self(337, "weak ephemeral key") }
    /// The responder's agreed maximum message size exceeds the initiator's proposal.
    public static var maxMessageSizeMismatch: Self { Self(338, "maximum message size mismatch") }
    /// `transportSession()` was called before the handshake finished.
    public static var handshakeNotFinished: Self { Self(339, "handshake not finished") }
}
