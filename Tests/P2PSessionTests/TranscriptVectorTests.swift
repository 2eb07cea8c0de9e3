import P2PCrypto
@_spi(Testing) import P2PSession
import Testing

/// Pinned protocol bytes for fixed identity keys (seeds 0xA1…, 0xB2…) and fixed randomness
/// (`DeterministicRandom` seeds 1 and 2). Any change to an encoding, a label, the key schedule or the
/// transcript changes these bytes and fails here; update them only with a protocol version change.
@Suite("Transcript vectors")
struct TranscriptVectorTests {
    struct Vector: Sendable {
        var initiatorHello: String
        var responderHello: String
        var initiatorHandshake: String
        var responderHandshake: String
        var transcriptHash: String
        var dataMessage: String
    }

    static func run(_ modes: ProtocolModes) throws -> Vector {
        var initiator = try makeInitiator(initiatorConfiguration(modes: modes))
        var responder = try makeResponder()
        let m = try runHandshake(&initiator, &responder)
        let transcript = initiator.transcriptHashes[3]
        var transport = try initiator.transportSession()
        let header = frameHeader(sequenceNumber: 0, sessionID: m.initiatorHello.sessionID, length: 61)
        var sealed = [UInt8](repeating: 0, count: 21)
        _ = try seal(&transport, 0, Array("hello".utf8), header, &sealed)
        return Vector(
            initiatorHello: hexString(m.initiatorHello.encoded), responderHello: hexString(m.responderHello.encoded),
            initiatorHandshake: hexString(m.initiatorHandshake.encoded),
            responderHandshake: hexString(m.responderHandshake.encoded), transcriptHash: hexString(transcript),
            dataMessage: hexString(sealed))
    }

    static let authenticatedEncryption = Vector(
            initiatorHello: """
            0101a536aa3cede6ea3c1f3e0357c3c60e0f80c1027ab1d511db5ce24fdb02cb3ea02c2bea7c330fb83cb49fecd5df3d
            fc4803730a5edc28c2f8daf2d9dce3a01d5f205e35e55582eed2ba26219fabdd4cc9a8000767726f75702d31
            """,
            responderHello: """
            02011ac472f23e31057421f942932fabad0c5b268481dcc1ef3dad23a217096f1b0402
            """,
            initiatorHandshake: """
            0301000000c09f6ebd1710ce6707fb0a41785ea3281f2a7b0d501ee729303f6ba7bc207d32971079f4f39960ff250bdb
            78545654639c2c44ddcee6afde8c52b690748a13bc8e2c5f4d249394870c1d50ffbec81b6d90f95a0b0b5bde621c6505
            e8dceb2defec195407864732e0f53bb31f63ee66ff0e26143a247ca7738d1e7542b1b211db391e78fb9ca61148f82f81
            d22bcbaea1895f36e6ad271bd162eb79b2acc8c16d3c0b4e71de8fb06b425c4e207ef08caff10c152b9d22ea8a5d6d2c
            43caa31f4583
            """,
            responderHandshake: """
            0401000000b70fa9ddca20c36530a4e508dd7eb5b5575d56cd49d2bf6a703810b072ce06c379e9beeb6706b3165d8b0f
            b789af2cbfa03e571afb209f8ebc0ab7acdd5a1221559e396b88b2a3fc2700504d1b1b3359b682cab1479d5a68e156de
            2fdee68f2a0a2db5499f86be2ca0be5ca59394893344936b6b25498bc92e93d0ec28921e499ea15406caa4734acc409b
            7488769e07683fa6651b6fe917bc0066fbf87bbb6c5e1cb38aa9a84e8740f093adb45b5501c8d1f6315943104b
            """,
            transcriptHash: "90ba74448e44a387ef9165acc81d3717ec3f39a5a27047eff89f62a48bffc8a7",
            dataMessage: "01c14817acb4f472ba8fd7489a560042d3692cd122")

    static let authenticationOnly = Vector(
            initiatorHello: """
            0101a536aa3cede6ea3c1f3e0357c3c60e0f80c1027ab1d511db5ce24fdb02cb3ea02c2bea7c330fb83cb49fecd5df3d
            fc4801730a5edc28c2f8daf2d9dce3a01d5f205e35e55582eed2ba26219fabdd4cc9a8000767726f75702d31
            """,
            responderHello: """
            02011ac472f23e31057421f942932fabad0c5b268481dcc1ef3dad23a217096f1b0401
            """,
            initiatorHandshake: """
            0301000000c09f6ebd1710ce6707fb0a41785ea3281f2a7b0d501ee729303f6ba7bc207d32971079f4f39960ff250bdb
            78545654639c2c44ddcee6afde8c52b690748a13bc8e2c5f4d249394870c1d50ffbcc81b6d9040bad4970c1273373709
            24aaeb1c2430c4493dc917404e9c7745e5d24a0b00f4cd4e9bebf496ffed5150a8133bb7d5da45e4b6687ea92da4e64b
            de3ea931438ad6d98e573fc53293fbd97ed1a16298dacde20ec9d69f716308ffe62648137ff855f74fc385454ddf748e
            0357a1ded6c6
            """,
            responderHandshake: """
            0401000000b70fa9ddca20c36530a4e508dd7eb5b5575d56cd49d2bf6a703810b072ce06c379e9beeb6706b3165d8b0f
            b789af2cbfa03e571afb209f8ebc0ab7acdd5a1221559e396b88b2a3fc9e5df5884eb5e069465ecef2aa507d135d25d5
            b764178e869c1e4f4e5da05afae4e380940bab58dda1ec01bcc5aed6efba56ed6dbd0d912ae5074f2dafcbe44de872d2
            2ba48af30ebfd133fb9e1a8a218363b438c55fcb82cc7d2488a9cfb77240af8a519b089883f8672a74530cb3d5
            """,
            transcriptHash: "a6671d7083e149c438e9993b14a958be883ead166b4c81084888296bb03bd5bc",
            dataMessage: "68656c6c6f76ef817ad8c66cfda45cb4c9b896105e")

    @Test(arguments: [
        (ProtocolModes.all, authenticatedEncryption), (ProtocolModes.authenticationOnly, authenticationOnly),
    ])
    func protocolBytesArePinned(modes: ProtocolModes, expected: Vector) throws {
        let actual = try Self.run(modes)
        #expect(actual.initiatorHello == expected.initiatorHello.filter { !$0.isWhitespace })
        #expect(actual.responderHello == expected.responderHello.filter { !$0.isWhitespace })
        #expect(actual.initiatorHandshake == expected.initiatorHandshake.filter { !$0.isWhitespace })
        #expect(actual.responderHandshake == expected.responderHandshake.filter { !$0.isWhitespace })
        #expect(actual.transcriptHash == expected.transcriptHash)
        #expect(actual.dataMessage == expected.dataMessage)
    }

    @Test func theAuthenticationOnlyDataMessageCarriesThePlaintext() {
        // "hello" followed by the 16-byte tag.
        #expect(Self.authenticationOnly.dataMessage.hasPrefix("68656c6c6f"))
        #expect(!Self.authenticatedEncryption.dataMessage.hasPrefix("68656c6c6f"))
    }
}
