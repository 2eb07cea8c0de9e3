import P2PCrypto

/// The data phase of an established session: seals outgoing and opens incoming data messages.
///
/// Produced only by consuming a finished ``SessionInitiator`` or ``SessionResponder``; `~Copyable`
/// so a copy can never reuse a nonce. Sealing and opening write into caller-supplied buffers and do
/// not allocate. See `docs/session-protocol.md` §6.
public struct TransportSession: ~Copyable, Sendable {
    /// What the handshake agreed.
    public let parameters: SessionParameters
    private let sending: DirectionKeys
    private let receiving: DirectionKeys
    private var replayWindow = ReplayWindow()
    /// The sequence number the next sealed message must carry (per direction, from 0).
    public private(set) var nextSequenceNumber: UInt64 = 0
    /// Payload bytes sealed so far.
    public private(set) var bytesSent: UInt64 = 0

    init(parameters: SessionParameters, secrets: DataSecrets) {
        self.parameters = parameters
        let initiatorKeys = DirectionKeys(key: secrets.initiatorKey, iv: secrets.initiatorIV)
        let responderKeys = DirectionKeys(key: secrets.responderKey, iv: secrets.responderIV)
        switch parameters.role {
        case .initiator: (sending, receiving) = (initiatorKeys, responderKeys)
        case .responder: (sending, receiving) = (responderKeys, initiatorKeys)
        }
    }

    /// The negotiated mode.
    public var mode: ProtocolMode { parameters.mode }

    /// The sealed size of a payload of `payloadCount` bytes (payload + 16-byte tag, in both modes).
    public static func sealedCount(payloadCount: Int) -> Int { payloadCount + TransportLimits.tagByteCount }

    /// True once this direction has sent ``TransportLimits/rekeyAfterMessages`` messages or
    /// ``TransportLimits/rekeyAfterBytes`` bytes: the caller should negotiate a new session.
    public var rekeyNeeded: Bool {
        nextSequenceNumber >= TransportLimits.rekeyAfterMessages || bytesSent >= TransportLimits.rekeyAfterBytes
    }

    /// Seals `payload` as message `sequenceNumber` (which must be ``nextSequenceNumber``), authenticating
    /// `associatedData` (the frame header) and the sequence number, into `output`.
    /// Returns the number of bytes written (``sealedCount(payloadCount:)``).
    public mutating func seal(
        sequenceNumber: UInt64, payload: UnsafeRawBufferPointer, associatedData: UnsafeRawBufferPointer,
        into output: UnsafeMutableRawBufferPointer
    ) throws(SessionError) -> Int {
        guard sequenceNumber == nextSequenceNumber else {
            throw SessionError(.sequenceNumberNotNext, "sealing \(sequenceNumber), next is \(nextSequenceNumber)")
        }
        guard sequenceNumber < TransportLimits.rejectAfterMessages else {
            throw SessionError(.sequenceNumbersExhausted)
        }
        guard payload.count <= parameters.maxMessageSize else {
            throw SessionError(.messageTooLarge, "payload of \(payload.count) bytes, maximum \(parameters.maxMessageSize)")
        }
        let sealedCount = Self.sealedCount(payloadCount: payload.count)
        guard output.count >= sealedCount else {
            throw SessionError(.outputBufferTooSmall, "need \(sealedCount) bytes, have \(output.count)")
        }
        switch parameters.mode {
        case .authenticatedEncryption:
            _ = try? ChaCha20Poly1305.seal(
                payload, associatedData: associatedData, nonce: sending.iv.xoring(sequenceNumber: sequenceNumber),
                key: sending.key, into: output)
        case .authenticationOnly:
            if payload.count > 0, UnsafeRawPointer(output.baseAddress) != payload.baseAddress {
                output.baseAddress!.copyMemory(from: payload.baseAddress!, byteCount: payload.count)
            }
            ChaCha20Poly1305.authenticationTag(
                associatedData: associatedData, payload, nonce: sending.iv.xoring(sequenceNumber: sequenceNumber),
                key: sending.key, into: UnsafeMutableRawBufferPointer(rebasing: output[payload.count..<sealedCount]))
        }
        nextSequenceNumber += 1
        bytesSent &+= UInt64(payload.count)
        return sealedCount
    }

    /// Verifies and opens message `sequenceNumber` (`sealed` = what ``seal(sequenceNumber:payload:associatedData:into:)``
    /// produced) with `associatedData`, writing the payload into `output`. Rejects replays and numbers
    /// below the window before decrypting; records the number only after the tag verified.
    /// Returns the payload size.
    public mutating func open(
        sequenceNumber: UInt64, sealed: UnsafeRawBufferPointer, associatedData: UnsafeRawBufferPointer,
        into output: UnsafeMutableRawBufferPointer
    ) throws(SessionError) -> Int {
        guard sequenceNumber < TransportLimits.rejectAfterMessages else {
            throw SessionError(.sequenceNumbersExhausted)
        }
        guard sealed.count >= TransportLimits.tagByteCount else {
            throw SessionError(.tamperedMessage, "sealed message shorter than its tag")
        }
        let payloadCount = sealed.count - TransportLimits.tagByteCount
        guard payloadCount <= parameters.maxMessageSize else {
            throw SessionError(.messageTooLarge, "payload of \(payloadCount) bytes, maximum \(parameters.maxMessageSize)")
        }
        guard output.count >= payloadCount else {
            throw SessionError(.outputBufferTooSmall, "need \(payloadCount) bytes, have \(output.count)")
        }
        switch replayWindow.verdict(for: sequenceNumber) {
        case .accept: break
        case .duplicate: throw SessionError(.replayedMessage, "sequence number \(sequenceNumber)")
        case .tooOld: throw SessionError(.sequenceNumberTooOld, "sequence number \(sequenceNumber)")
        }
        switch parameters.mode {
        case .authenticatedEncryption:
            do {
                _ = try ChaCha20Poly1305.open(
                    sealed, associatedData: associatedData,
                    nonce: receiving.iv.xoring(sequenceNumber: sequenceNumber), key: receiving.key, into: output)
            } catch {
                throw SessionError(.tamperedMessage, "data message did not authenticate")
            }
        case .authenticationOnly:
            let payload = UnsafeRawBufferPointer(rebasing: sealed[0..<payloadCount])
            let tag = UnsafeRawBufferPointer(rebasing: sealed[payloadCount...])
            let valid = withUnsafeTemporaryAllocation(byteCount: TransportLimits.tagByteCount, alignment: 1) { expected in
                ChaCha20Poly1305.authenticationTag(
                    associatedData: associatedData, payload, nonce: receiving.iv.xoring(sequenceNumber: sequenceNumber),
                    key: receiving.key, into: expected)
                return constantTimeEquals(UnsafeRawBufferPointer(expected), tag)
            }
            guard valid else { throw SessionError(.tamperedMessage, "data message did not authenticate") }
            if payloadCount > 0, UnsafeRawPointer(output.baseAddress) != sealed.baseAddress {
                output.baseAddress!.copyMemory(from: sealed.baseAddress!, byteCount: payloadCount)
            }
        }
        replayWindow.record(sequenceNumber)
        return payloadCount
    }

    // MARK: Test visibility

    /// Moves the send counter (and byte count) forward to test the rekey and exhaustion limits.
    @_spi(Testing) public mutating func advanceForTesting(nextSequenceNumber: UInt64, bytesSent: UInt64 = 0) {
        self.nextSequenceNumber = nextSequenceNumber
        self.bytesSent = bytesSent
    }
}

/// One direction's data key and nonce base, zeroed when released. Immutable after `init` (the nonce base
/// is overwritten only in `deinit`), hence `@unchecked Sendable`.
private final class DirectionKeys: @unchecked Sendable {
    let key: ChaCha20Poly1305.Key
    private(set) var iv: AEADNonce

    init(key: SecretBytes, iv: SecretBytes) {
        self.key = try! ChaCha20Poly1305.Key(key)
        self.iv = iv.withUnsafeBytes { try! AEADNonce(bytes: $0) }
    }

    deinit {
        iv = try! AEADNonce(bytes: [UInt8](repeating: 0, count: AEADNonce.byteCount))
    }
}
