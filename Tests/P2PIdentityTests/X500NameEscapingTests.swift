import P2PIdentity
import Testing

@Suite struct X500NameEscapingTests {
    @Test(arguments: [
        // (input, the organisation it holds, the canonical string)
        (#"O=Alice\, Inc, L=London, C=GB"#, "Alice, Inc", #"O=Alice\, Inc, L=London, C=GB"#),
        (#"O=A\+B Ltd, L=London, C=GB"#, "A+B Ltd", #"O=A\+B Ltd, L=London, C=GB"#),
        (#"O=\"Quoted\" Ltd, L=London, C=GB"#, "\"Quoted\" Ltd", #"O=\"Quoted\" Ltd, L=London, C=GB"#),
        (#"O=Back\\slash Ltd, L=London, C=GB"#, "Back\\slash Ltd", #"O=Back\\slash Ltd, L=London, C=GB"#),
        (#"O=A\;B\<C\>, L=London, C=GB"#, "A;B<C>", #"O=A\;B\<C\>, L=London, C=GB"#),
        (##"O=\#1 Bank, L=London, C=GB"##, "#1 Bank", ##"O=\#1 Bank, L=London, C=GB"##),
        (##"O=Bank \#1, L=London, C=GB"##, "Bank #1", "O=Bank #1, L=London, C=GB"),
        (#"O=a=b Corp, L=London, C=GB"#, "a=b Corp", "O=a=b Corp, L=London, C=GB"),
        (#"O=a\=b Corp, L=London, C=GB"#, "a=b Corp", "O=a=b Corp, L=London, C=GB"),
        (#"O=Caf\C3\A9 Ltd, L=London, C=GB"#, "Café Ltd", "O=Café Ltd, L=London, C=GB"),
        (#"O=\41lice Corp, L=London, C=GB"#, "Alice Corp", "O=Alice Corp, L=London, C=GB"),
        (#"O=Alice\ Corp, L=London, C=GB"#, "Alice Corp", "O=Alice Corp, L=London, C=GB"),
    ])
    func escapesRoundTrip(input: String, organisation: String, canonical: String) throws {
        let name = try X500Name(input)
        #expect(name.organisation == organisation)
        #expect(name.description == canonical)
        let reparsed = try X500Name(name.description)
        #expect(reparsed == name)
        #expect(reparsed.organisation == organisation)
    }

    @Test func everyAttributeRoundTripsThroughItsCanonicalForm() throws {
        let name = try X500Name(
            commonName: "#x, y+z", organisationalUnit: "<Ops>; \"Desk\"", organisation: "A\\B, C+D",
            locality: "L=1", state: "#", country: "GB")
        #expect(name.description == ##"CN=\#x\, y\+z, OU=\<Ops\>\; \"Desk\", O=A\\B\, C\+D, L=L=1, ST=\#, C=GB"##)
        let reparsed = try X500Name(name.description)
        #expect(X500Name.Attribute.allCases.map { reparsed[$0] } == X500Name.Attribute.allCases.map { name[$0] })
    }
}
