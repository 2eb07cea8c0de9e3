import Foundation
import P2PIdentity
import Testing
import P2PTestSupport

@Suite struct MessageIDTests {
    @Test(arguments: ["a", "order-42", "3f2a9c1e-7b4d-4e8f-9a6b-0c1d2e3f4a5b", "café ☕", String(repeating: "x", count: 255)])
    func accepts(value: String) throws {
        #expect(try MessageID(value).value == value)
    }

    @Test(arguments: [
        ("", IdentityError.Code.emptyMessageID),
        (String(repeating: "x", count: 256), .messageIDTooLong),
        (String(repeating: "é", count: 128), .messageIDTooLong),
        ("line\nbreak", .invalidMessageIDCharacter),
        ("nul\u{0}", .invalidMessageIDCharacter),
        ("del\u{7F}", .invalidMessageIDCharacter),
    ])
    func rejects(value: String, code: IdentityError.Code) {
        #expect(throws: IdentityError(code)) { try MessageID(value) }
    }

    @Test func randomIDsAreVersion4UUIDs() throws {
        var seen = Set<MessageID>()
        for _ in 0..<200 {
            let id = MessageID.random()
            seen.insert(id)
            let uuid = try #require(UUID(uuidString: id.value))
            #expect(uuid.uuidString.lowercased() == id.value)
            let bytes = uuid.uuid
            #expect(bytes.6 >> 4 == 4)
            #expect(bytes.8 >> 6 == 0b10)
        }
        #expect(seen.count == 200)
    }

    @Test func randomIsDeterministicForASeededGenerator() {
        var a = SplitMix64(seed: 7)
        var b = SplitMix64(seed: 7)
        #expect(MessageID.random(using: &a) == MessageID.random(using: &b))
        #expect(MessageID.random(using: &a) != MessageID.random(using: &a))
    }

    @Test func codableRoundTrip() throws {
        let ids = [MessageID.random(), try MessageID("order-42")]
        let data = try JSONEncoder().encode(ids)
        #expect(try JSONDecoder().decode([MessageID].self, from: data) == ids)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([MessageID].self, from: Data(#"[""]"#.utf8)) }
    }
}
