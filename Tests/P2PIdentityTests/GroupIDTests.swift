import P2PIdentity
import Testing

@Suite struct GroupIDTests {
    @Test func acceptsUUID() throws {
        #expect(try GroupID("6b4fd0c5-2f3a-4b7e-9a43-0d1c2e3f4a5b").value.count == 36)
    }

    @Test func rejectsEmptyLongAndBadCharacters() {
        #expect(throws: IdentityError(.emptyGroupID)) { try GroupID("") }
        #expect(throws: IdentityError(.groupIDTooLong)) { try GroupID(String(repeating: "a", count: 129)) }
        #expect(throws: IdentityError(.invalidGroupIDCharacter)) { try GroupID("group one") }
    }
}
