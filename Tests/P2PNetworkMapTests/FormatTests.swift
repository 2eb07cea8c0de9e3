import Foundation
import P2PCrypto
import P2PMembership
import P2PNetworkMap
import P2PX509
import Testing

@Suite("Signed envelopes, payloads and roles, against certificates made by openssl")
struct FormatTests {
    var now: Date { Date() }

    @Test("a member record signed with Ed25519 (through a doorman CA) and one with ECDSA verify; the hash is SHA-256 of the payload")
    func roundTrip() throws {
        let network = try TestNetwork()
        defer { network.remove() }
        let trust = try network.trust
        for (name, signer) in [(TestNetwork.alice, "alice"), (TestNetwork.bob, "bob")] {
            let member = try TestNetwork.member(name, serial: 3)
            let envelope = try network.signed(member, by: signer)
            let decoded = try SignedEnvelope.decode(envelope.encoded(), maximumBytes: NetworkMapLimits.maximumRequestBytes)
            #expect(decoded == envelope)
            let record = try trust.verifiedMember(decoded, at: now)
            #expect(record.member == member)
            #expect(record.platformVersion == MemberRecord.currentPlatformVersion)
            // The hash is over the payload, upper-case hex, and survives re-signing (ECDSA is randomised).
            let expected = SHA256.hash(envelope.payload).map { String(format: "%02X", $0) }.joined()
            #expect(envelope.hash.hex == expected)
            let again = try network.signed(member, by: signer)
            #expect(again.hash == envelope.hash)
        }
    }

    @Test("a changed payload byte or signature byte fails the signature; another root fails the chain")
    func tampering() throws {
        let network = try TestNetwork()
        defer { network.remove() }
        let trust = try network.trust
        let envelope = try network.signed(try TestNetwork.member(TestNetwork.bob, serial: 1), by: "bob")
        var payload = envelope.payload
        let index = payload.firstIndex(of: UInt8(ascii: "1"))!
        payload[index] = UInt8(ascii: "2")
        let tampered = SignedEnvelope(payload: payload, signature: envelope.signature, certificates: envelope.certificates)
        #expect(throws: NetworkMapError(.invalidSignature)) { try trust.verifiedMember(tampered, at: now) }
        var signature = envelope.signature
        signature[signature.count / 2] ^= 0x01
        #expect(throws: NetworkMapError(.invalidSignature)) {
            try trust.verifiedMember(SignedEnvelope(payload: envelope.payload, signature: signature, certificates: envelope.certificates), at: now)
        }
        let foreign = try network.signed(try TestNetwork.member(TestNetwork.alice, serial: 1), by: "other-alice")
        #expect(throws: NetworkMapError(.untrustedCertificate)) { try trust.verifiedMember(foreign, at: now) }
        // Alice's chain without the doorman's certificate does not reach the root.
        let alice = try network.signed(try TestNetwork.member(TestNetwork.alice, serial: 1), by: "alice")
        let cut = SignedEnvelope(payload: alice.payload, signature: alice.signature, certificates: [alice.certificates[0]])
        #expect(throws: NetworkMapError(.untrustedCertificate)) { try trust.verifiedMember(cut, at: now) }
        // Expired at the time of checking.
        #expect(throws: NetworkMapError(.untrustedCertificate)) { try trust.verifiedMember(alice, at: now.addingTimeInterval(20 * 365 * 86_400)) }
    }

    @Test("roles: members cannot sign maps, the map key cannot sign members, a member signs only for its own name")
    func roles() throws {
        let network = try TestNetwork()
        defer { network.remove() }
        let trust = try network.trust
        let map = NetworkMap(groupId: try .init(TestNetwork.groupId), networkParametersHash: SecureHash(of: [1]), nodeInfoHashes: [])
        let byBob = try SignedEnvelope.sign(payload: map.encoded(), key: try network.key("bob"), chain: try network.chain("bob"))
        #expect(throws: NetworkMapError(.wrongCertificateRole)) { try trust.verifiedMap(byBob, at: now) }
        let byParams = try SignedEnvelope.sign(payload: map.encoded(), key: try network.key("params"), chain: try network.chain("params"))
        #expect(throws: NetworkMapError(.wrongCertificateRole)) { try trust.verifiedMap(byParams, at: now) }
        let byMap = try SignedEnvelope.sign(payload: map.encoded(), key: try network.key("map"), chain: try network.chain("map"))
        #expect(try trust.verifiedMap(byMap, at: now) == map)

        let parameters = try TestNetwork.parameters()
        for signer in ["map", "params"] {
            let envelope = try SignedEnvelope.sign(payload: parameters.encoded(), key: try network.key(signer), chain: try network.chain(signer))
            #expect(try trust.verifiedParameters(envelope, at: now) == parameters)
        }
        let parametersByBob = try SignedEnvelope.sign(payload: parameters.encoded(), key: try network.key("bob"), chain: try network.chain("bob"))
        #expect(throws: NetworkMapError(.wrongCertificateRole)) { try trust.verifiedParameters(parametersByBob, at: now) }

        let member = try TestNetwork.member(TestNetwork.bob, serial: 1)
        #expect(throws: NetworkMapError(.wrongCertificateRole)) { try trust.verifiedMember(try network.signed(member, by: "map"), at: now) }
        #expect(throws: NetworkMapError(.signerNameMismatch)) { try trust.verifiedMember(try network.signed(member, by: "carol"), at: now) }
        // A map presented as a member record: the type is inside the signed bytes.
        let mapAsMember = try SignedEnvelope.sign(payload: map.encoded(), key: try network.key("bob"), chain: try network.chain("bob"))
        #expect(throws: NetworkMapError(.wrongPayloadType)) { try trust.verifiedMember(mapAsMember, at: now) }
    }

    @Test("strict decoding: unknown fields, bad base64, wrong versions, oversize, invalid hashes and members are refused")
    func strictness() throws {
        let network = try TestNetwork()
        defer { network.remove() }
        let trust = try network.trust
        let envelope = try network.signed(try TestNetwork.member(TestNetwork.bob, serial: 1), by: "bob")
        var json = try JSONSerialization.jsonObject(with: Data(envelope.encoded())) as! [String: Any]
        func decode(_ object: [String: Any]) throws -> SignedEnvelope {
            try SignedEnvelope.decode([UInt8](try JSONSerialization.data(withJSONObject: object)), maximumBytes: 1 << 20)
        }
        json["extra"] = 1
        #expect(throws: NetworkMapError(.malformedEnvelope)) { try decode(json) }
        json["extra"] = nil
        json["formatVersion"] = 2
        #expect(throws: NetworkMapError(.unsupportedFormatVersion)) { try decode(json) }
        json["formatVersion"] = 1
        json["payload"] = "not base64!"
        #expect(throws: NetworkMapError(.malformedEnvelope)) { try decode(json) }
        json["payload"] = Data(envelope.payload).base64EncodedString()
        json["certificates"] = [String]()
        #expect(throws: NetworkMapError(.malformedEnvelope)) { try decode(json) }
        #expect(throws: NetworkMapError(.tooLarge)) { try SignedEnvelope.decode(envelope.encoded(), maximumBytes: 100) }
        #expect(throws: NetworkMapError(.malformedEnvelope)) { try SignedEnvelope.decode(Array("{".utf8), maximumBytes: 100) }

        // Payload rules, each signed properly so that only the payload is at fault.
        func signedPayload(_ text: String) throws -> SignedEnvelope {
            try SignedEnvelope.sign(payload: Array(text.utf8), key: try network.key("bob"), chain: try network.chain("bob"))
        }
        var payload = try JSONSerialization.jsonObject(with: Data(envelope.payload)) as! [String: Any]
        payload["surprise"] = true
        let withExtra = String(decoding: try JSONSerialization.data(withJSONObject: payload), as: UTF8.self)
        #expect(throws: NetworkMapError(.malformedPayload)) { try trust.verifiedMember(try signedPayload(withExtra), at: now) }
        payload["surprise"] = nil
        var member = payload["member"] as! [String: Any]
        member["nickname"] = "b"
        payload["member"] = member
        let nestedExtra = String(decoding: try JSONSerialization.data(withJSONObject: payload), as: UTF8.self)
        #expect(throws: NetworkMapError(.malformedPayload)) { try trust.verifiedMember(try signedPayload(nestedExtra), at: now) }
        member["nickname"] = nil
        member["endpoints"] = ["http://bob.example.test"]
        payload["member"] = member
        let httpEndpoint = String(decoding: try JSONSerialization.data(withJSONObject: payload), as: UTF8.self)
        #expect(throws: NetworkMapError(.invalidMember)) { try trust.verifiedMember(try signedPayload(httpEndpoint), at: now) }

        #expect(throws: NetworkMapError(.invalidHash)) { try SecureHash("abc") }
        #expect(throws: NetworkMapError(.invalidHash)) { try SecureHash(String(repeating: "a", count: 64)) }
        #expect(throws: NetworkMapError(.invalidHash)) { try SecureHash(String(repeating: "G", count: 64)) }
        #expect(try SecureHash(String(repeating: "A", count: 64)).hex.count == 64)

        var parameters = try TestNetwork.parameters()
        parameters.maxMessageSize = 1
        #expect(throws: NetworkMapError(.invalidParameters)) { try NetworkParameters.decode(payload: parameters.encoded()) }
        #expect(throws: NetworkMapError(.invalidParameters)) { try NetworkParameters.parseInput(Array(#"{"groupId":"g"}"#.utf8)) }
    }
}
