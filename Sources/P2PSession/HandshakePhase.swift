import P2PCrypto

/// The state both handshake state machines share: where one side is, and what it keeps there.
///
/// ``SessionInitiator`` and ``SessionResponder`` each keep one and differ only in the messages they
/// check and build. `Hellos` is what a side keeps once both hellos are known, `Final` what it adds once
/// established. Each step remembers the message it answered and its answer, so a retransmitted message
/// gets the identical answer and a different one is refused.
enum HandshakePhase<Hellos: HelloStep, Final: FinalStep>: Sendable {
    case awaitingHello
    case awaitingHandshake(Hellos)
    case established(Hellos, Final)

    /// What the peer's handshake message leads to.
    enum HandshakeArrival {
        /// The first one: go on from what the hellos gave.
        case first(Hellos)
        /// A retransmission of the one already answered: answer it again.
        case repeated(Final.Answer)
    }

    var hellos: Hellos? {
        switch self {
        case .awaitingHello: nil
        case .awaitingHandshake(let hellos), .established(let hellos, _): hellos
        }
    }

    var final: Final? {
        if case .established(_, let final) = self { return final }
        return nil
    }

    /// The answer already given to the peer's hello `encoded` (named `name`), or nil while it is awaited.
    func repeatedHello(_ encoded: [UInt8], _ name: String) throws(SessionError) -> Hellos.Answer? {
        guard let hellos else { return nil }
        guard hellos.receivedEncoded == encoded else {
            throw SessionError(.unexpectedMessage, "a different \(name) after the first")
        }
        return hellos.answer
    }

    /// Where the peer's handshake message `encoded` (named `name`, following the hello named `helloName`) leads.
    func handshakeArrival(
        _ encoded: [UInt8], _ name: String, after helloName: String
    ) throws(SessionError) -> HandshakeArrival {
        switch self {
        case .awaitingHello:
            throw SessionError(.unexpectedMessage, "\(name) before \(helloName)")
        case .awaitingHandshake(let hellos):
            return .first(hellos)
        case .established(_, let final):
            guard final.receivedEncoded == encoded else {
                throw SessionError(.unexpectedMessage, "a different \(name) after the first")
            }
            return .repeated(final.answer)
        }
    }

    var isEstablished: Bool { final != nil }

    var parameters: SessionParameters? { final?.session.parameters }

    func transportSession() throws(SessionError) -> TransportSession {
        guard let session = final?.session else { throw SessionError(.handshakeNotFinished) }
        return TransportSession(parameters: session.parameters, secrets: session.dataSecrets)
    }

    /// `H(e0)`, `H(e0 ‖ e1)`, … over `opening` (what this side hashed before the hellos) and what each step added.
    func transcriptHashes(opening: [[UInt8]]) -> [[UInt8]] {
        prefixHashes(opening + (hellos?.transcriptPart ?? []) + (final?.transcriptPart ?? []))
    }

    var handshakeKeyMaterial: [SecretBytes] { hellos?.keys.secrets.all ?? [] }

    var dataKeyMaterial: [SecretBytes] { final?.session.dataSecrets.all ?? [] }
}

/// A message one side answered, kept so that a retransmission gets the same answer.
protocol HandshakeStep: Sendable {
    associatedtype Answer: Sendable
    /// The encoding of the message answered.
    var receivedEncoded: [UInt8] { get }
    /// What was sent in answer.
    var answer: Answer { get }
    /// The encodings this step added to the transcript, in order.
    var transcriptPart: [[UInt8]] { get }
}

/// The step that answered the peer's hello: both hellos are known.
protocol HelloStep: HandshakeStep {
    var keys: HelloKeys { get }
}

/// The step that answered the peer's handshake message: the handshake is established.
protocol FinalStep: HandshakeStep {
    var session: EstablishedSession { get }
}

/// What either side holds once established: the agreed parameters and the data-phase secrets.
struct EstablishedSession {
    let parameters: SessionParameters
    let dataSecrets: DataSecrets

    /// Derives the data secrets from `sharedSecret` and the complete `transcript` (`docs/session-protocol.md` §4).
    init(parameters: SessionParameters, sharedSecret: SecretBytes, transcript: SHA256) {
        self.parameters = parameters
        dataSecrets = DataSecrets(sharedSecret: sharedSecret, transcriptHash: transcript.finalize())
    }
}
