import P2PCrypto
@_spi(Testing) @testable import P2PSession
import Testing

/// Randomness that repeats: SHA-256(seed ‖ counter) blocks, so transcripts can be pinned.
struct DeterministicRandom: RandomSource {
    var seed: UInt8
    var counter: UInt64 = 0

    init(seed: UInt8) { self.seed = seed }

    mutating func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        var offset = 0
        while offset < buffer.count {
            var block = SHA256()
            block.update([seed] + withUnsafeBytes(of: counter.bigEndian) { Array($0) })
            counter += 1
            let bytes = block.finalize()
            let take = min(bytes.count, buffer.count - offset)
            for index in 0..<take { buffer[offset + index] = bytes[index] }
            offset += take
        }
    }
}

/// Fixed identity keys: A initiates, B is hosted by the responder, C is anyone else.
enum Keys {
    static func identity(_ byte: UInt8) -> Ed25519.SigningKey {
        try! Ed25519.SigningKey(seed: SecretBytes(copying: [UInt8](repeating: byte, count: 32)))
    }
    static let a = identity(0xA1)
    static let b = identity(0xB2)
    static let c = identity(0xC3)
    static let group = "group-1"
}

/// An in-memory directory: the identities this responder hosts (per group) and the group's members.
struct Directory: SessionKeyLookup {
    var hosted: [(key: Ed25519.SigningKey, groups: Set<String>)] = [(Keys.b, [Keys.group])]
    var members: [String: [Ed25519.VerifyingKey]] = [Keys.group: [Keys.a.verifyingKey]]
    /// When set, the member lookup answers with this key whatever hash was asked for.
    var memberOverride: Ed25519.VerifyingKey?
    /// When set, the hosted lookup answers with this key whatever hash was asked for.
    var hostedOverride: Ed25519.SigningKey?

    func localIdentity(keyHash: [UInt8], groupID: String) -> LocalIdentityLookupResult {
        if let hostedOverride { return .found(hostedOverride) }
        guard let entry = hosted.first(where: { sessionKeyHash($0.key.verifyingKey) == keyHash }) else {
            return .unknownKeyHash
        }
        return entry.groups.contains(groupID) ? .found(entry.key) : .notInGroup
    }

    func peerIdentity(keyHash: [UInt8], groupID: String) -> Ed25519.VerifyingKey? {
        if let memberOverride { return memberOverride }
        return members[groupID]?.first { sessionKeyHash($0) == keyHash }
    }
}

func initiatorConfiguration(
    modes: ProtocolModes = .all, maxMessageSize: Int = 65_536, responder: Ed25519.VerifyingKey = Keys.b.verifyingKey,
    groupID: String = Keys.group
) -> InitiatorConfiguration {
    InitiatorConfiguration(
        identity: Keys.a, responderIdentity: responder, groupID: groupID, supportedModes: modes,
        maxMessageSize: maxMessageSize)
}

func makeInitiator(
    _ configuration: InitiatorConfiguration = initiatorConfiguration(), seed: UInt8 = 1
) throws -> SessionInitiator {
    var random = DeterministicRandom(seed: seed)
    return try SessionInitiator(configuration: configuration, random: &random)
}

func makeResponder(modes: ProtocolModes = .all, maxMessageSize: Int = 32_768, seed: UInt8 = 2) throws -> SessionResponder {
    var random = DeterministicRandom(seed: seed)
    return try SessionResponder(
        configuration: ResponderConfiguration(supportedModes: modes, maxMessageSize: maxMessageSize), random: &random)
}

/// The four messages of one handshake.
struct Messages {
    var initiatorHello: InitiatorHello
    var responderHello: ResponderHello
    var initiatorHandshake: InitiatorHandshake
    var responderHandshake: ResponderHandshake
}

/// Checks that after `delivered` messages both sides agree on the transcript hashes they both know,
/// and on every key both have derived.
func expectAgreement(
    _ initiator: borrowing SessionInitiator, _ responder: borrowing SessionResponder, delivered: Int,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    let i = initiator.transcriptHashes
    let r = responder.transcriptHashes
    #expect(i.count >= delivered && r.count >= delivered, sourceLocation: sourceLocation)
    #expect(Array(i.prefix(delivered)) == Array(r.prefix(delivered)), sourceLocation: sourceLocation)
    let ih = initiator.handshakeKeyMaterial
    let rh = responder.handshakeKeyMaterial
    if !ih.isEmpty && !rh.isEmpty { #expect(ih == rh, sourceLocation: sourceLocation) }
    let id = initiator.dataKeyMaterial
    let rd = responder.dataKeyMaterial
    if !id.isEmpty && !rd.isEmpty { #expect(id == rd, sourceLocation: sourceLocation) }
}

/// Runs a complete handshake, checking agreement after every message.
func runHandshake(
    _ initiator: inout SessionInitiator, _ responder: inout SessionResponder, lookup: Directory = Directory()
) throws -> Messages {
    let ih = initiator.hello
    let rh = try responder.receive(ih)
    expectAgreement(initiator, responder, delivered: 1)
    let ihs = try initiator.receive(rh)
    expectAgreement(initiator, responder, delivered: 2)
    let rhs = try responder.receive(ihs, lookup: lookup)
    expectAgreement(initiator, responder, delivered: 3)
    try initiator.receive(rhs)
    expectAgreement(initiator, responder, delivered: 4)
    return Messages(initiatorHello: ih, responderHello: rh, initiatorHandshake: ihs, responderHandshake: rhs)
}

/// Expects `body` to throw a `SessionError` with `code`.
func expectCode(
    _ code: SessionError.Code, sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws -> Void
) {
    do {
        try body()
        Issue.record("expected \(code), nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as SessionError {
        #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected \(code), got \(error)", sourceLocation: sourceLocation)
    }
}

func hexString(_ bytes: [UInt8]) -> String {
    bytes.map { byte in
        let s = String(byte, radix: 16)
        return s.count == 1 ? "0" + s : s
    }.joined()
}
