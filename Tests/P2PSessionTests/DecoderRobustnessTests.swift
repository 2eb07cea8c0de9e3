@_spi(Testing) import P2PSession
import Testing

@Suite("Decoders on hostile input")
struct DecoderRobustnessTests {
    /// Every prefix of every genuine encoding, and bounded pseudo-random mutations of it, either decode
    /// to a value or throw `malformedMessage`; nothing traps.
    @Test func truncatedAndMutatedEncodingsOnlyEverThrowMalformed() throws {
        var initiator = try makeInitiator()
        var responder = try makeResponder()
        let m = try runHandshake(&initiator, &responder)
        let decoders: [([UInt8], ([UInt8]) throws -> Void)] = [
            (m.initiatorHello.encoded, { _ = try InitiatorHello(encoded: $0) }),
            (m.responderHello.encoded, { _ = try ResponderHello(encoded: $0) }),
            (m.initiatorHandshake.encoded, { _ = try InitiatorHandshake(encoded: $0) }),
            (m.responderHandshake.encoded, { _ = try ResponderHandshake(encoded: $0) }),
        ]
        var random = DeterministicRandom(seed: 42)
        for (genuine, decode) in decoders {
            for length in 0..<genuine.count {
                expectCode(.malformedMessage) { try decode(Array(genuine.prefix(length))) }
            }
            for _ in 0..<200 {
                var mutated = genuine
                let choice = random.bytes(count: 3)
                mutated[Int(choice[0]) % mutated.count] = choice[1]
                if choice[2] & 1 == 0 { mutated.append(choice[2]) }
                do {
                    try decode(mutated)
                } catch let error as SessionError {
                    #expect(error.code == .malformedMessage)
                }
            }
        }
    }
}
