import Foundation
import P2PIdentity
import Testing

@Suite struct HoldingIdentityTests {
    let group = "6b4fd0c5-2f3a-4b7e-9a43-0d1c2e3f4a5b"

    @Test func descriptionIsCanonicalNameAtGroup() throws {
        let identity = try HoldingIdentity(name: X500Name("C=GB, L=London, O=Alice Corp, CN=Alice"), groupID: GroupID(group))
        #expect(identity.description == "CN=Alice, O=Alice Corp, L=London, C=GB@\(group)")
        #expect(try HoldingIdentity(parsing: identity.description) == identity)
        #expect(try HoldingIdentity(parsing: " o=Alice Corp,cn=Alice , l=London,c=GB@\(group)") == identity)
    }

    @Test func nameMayContainAt() throws {
        let identity = try HoldingIdentity(parsing: "O=Alice@Home Ltd, L=London, C=GB@group-1")
        #expect(identity.name.organisation == "Alice@Home Ltd")
        #expect(identity.groupID.value == "group-1")
    }

    @Test(arguments: [
        ("O=Alice Corp, L=London, C=GB", IdentityError.Code.malformedHoldingIdentity),
        ("O=Alice Corp, L=London, C=GB@", .emptyGroupID),
        ("O=Alice Corp, L=London, C=GB@group one", .invalidGroupIDCharacter),
        ("O=Alice Corp, L=London, C=XX@group", .invalidCountry),
        ("@group", .malformedName),
    ])
    func rejects(input: String, code: IdentityError.Code) {
        #expect(throws: IdentityError(code)) { try HoldingIdentity(parsing: input) }
    }

    @Test func equalityAndHashFollowCanonicalNames() throws {
        let a = try HoldingIdentity(parsing: "O=Alice Corp, L=London, C=GB@g")
        let b = try HoldingIdentity(parsing: "C=GB,L=London,O=Alice Corp@g")
        let c = try HoldingIdentity(parsing: "O=Alice Corp, L=London, C=GB@h")
        #expect(a == b && a.hashValue == b.hashValue)
        #expect(a != c && a < c)
        #expect(Set([a, b, c]).count == 2)
    }

    @Test func codableRoundTrip() throws {
        let identity = try HoldingIdentity(parsing: "CN=Alice, O=Alice\\, Corp, L=London, C=GB@\(group)")
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let data = try encoder.encode(identity)
        #expect(
            String(decoding: data, as: UTF8.self)
                == #"{"groupId":"\#(group)","x500Name":"CN=Alice, O=Alice\\, Corp, L=London, C=GB"}"#)
        #expect(try JSONDecoder().decode(HoldingIdentity.self, from: data) == identity)
        let bad = Data(#"{"groupId":"g","x500Name":"O=Alice Corp, L=London"}"#.utf8)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(HoldingIdentity.self, from: bad) }
    }
}
