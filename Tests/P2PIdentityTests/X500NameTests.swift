import Foundation
import P2PIdentity
import Testing

@Suite struct X500NameTests {
    // MARK: Accepting

    @Test(arguments: [
        ("O=Alice Corp, L=London, C=GB", "O=Alice Corp, L=London, C=GB"),
        ("C=GB, L=London, O=Alice Corp", "O=Alice Corp, L=London, C=GB"),
        ("c=US,l=New York,o=Bank of Bob,cn=Bob,ou=Payments,st=NY",
            "CN=Bob, OU=Payments, O=Bank of Bob, L=New York, ST=NY, C=US"),
        ("O=Notary, L=Zurich, C=ZZ", "O=Notary, L=Zurich, C=ZZ"),
        ("O=Ab, L=X, C=FR", "O=Ab, L=X, C=FR"),
        ("O=Zürich Versicherung AG, L=Zürich, C=CH", "O=Zürich Versicherung AG, L=Zürich, C=CH"),
        ("O=alice corp, L=london, C=GB", "O=alice corp, L=london, C=GB"),
        ("O=Alice $ Co, L=London, C=GB", "O=Alice $ Co, L=London, C=GB"),
        // The examples of docs/identities.md.
        ("c=US,l=New   York ,o=Bank of Bob,cn=Bob,ou=Payments,st=NY",
            "CN=Bob, OU=Payments, O=Bank of Bob, L=New York, ST=NY, C=US"),
        (##"C=GB, L=London, O=Alice\, Corp, CN=\#1 Desk"##, ##"CN=\#1 Desk, O=Alice\, Corp, L=London, C=GB"##),
    ])
    func acceptsAndCanonicalises(input: String, canonical: String) throws {
        let name = try X500Name(input)
        #expect(name.description == canonical)
        #expect(try X500Name(canonical) == name)
    }

    @Test func accessors() throws {
        let name = try X500Name("CN=Bob, OU=Payments, O=Bank of Bob, L=New York, ST=NY, C=US")
        #expect(name.commonName == "Bob")
        #expect(name.organisationalUnit == "Payments")
        #expect(name.organisation == "Bank of Bob")
        #expect(name.locality == "New York")
        #expect(name.state == "NY")
        #expect(name.country == "US")
        #expect(X500Name.Attribute.allCases.map { name[$0] } == ["Bob", "Payments", "Bank of Bob", "New York", "NY", "US"])
        let minimal = try X500Name(organisation: "Alice Corp", locality: "London", country: "GB")
        #expect(minimal.commonName == nil && minimal.organisationalUnit == nil && minimal.state == nil)
        #expect(minimal[.state] == nil)
    }

    // MARK: Equality ignores spacing and attribute order

    @Test(arguments: [
        ["O=Alice Corp, L=London, C=GB", "C=GB,L=London,O=Alice Corp", " o = Alice Corp ,\tl=  London,c=GB  ",
         "L=London, C=GB, O=Alice Corp", "O=Alice Corp , L=London , C=GB"],
        ["CN=Bob, OU=Ops, O=Bob Ltd, L=Paris, ST=IDF, C=FR", "ST=IDF,C=FR,L=Paris,OU=Ops,CN=Bob,O=Bob Ltd",
         "cn=  Bob ,  ou=Ops, o=Bob Ltd, l=Paris, st=IDF, c=FR"],
        // Values other than O are normalised: runs of white space collapse, NFKC applies.
        ["CN=Bob  Smith, O=Bob Ltd, L=New   York, C=US", "CN=Bob\tSmith, O=Bob Ltd, L=New York, C=US",
         "CN=Ｂｏｂ Smith, O=Bob Ltd, L=New\u{A0}York, C=US"],
    ])
    func equalNamesWrittenDifferently(spellings: [String]) throws {
        let names = try spellings.map { try X500Name($0) }
        for name in names {
            #expect(name == names[0])
            #expect(name.hashValue == names[0].hashValue)
            #expect(name.description == names[0].description)
            #expect(!(name < names[0]) && !(names[0] < name))
        }
        #expect(Set(names).count == 1)
    }

    @Test func differentNamesDifferAndOrderByCanonicalString() throws {
        let a = try X500Name("O=Alice Corp, L=London, C=GB")
        let b = try X500Name("O=Alice Corp, L=London, C=US")
        let c = try X500Name("CN=Alice, O=Alice Corp, L=London, C=GB")
        #expect(a != b && a != c)
        #expect([b, c, a].sorted() == [c, a, b])
    }

    // MARK: Rejecting, one case or more per rule

    @Test(arguments: [
        // unsupportedAttribute
        ("O=Alice Corp, L=London, C=GB, SERIALNUMBER=1", IdentityError.Code.unsupportedAttribute),
        ("E=alice@example.com, O=Alice Corp, L=London, C=GB", .unsupportedAttribute),
        ("2.5.4.10=Alice Corp, L=London, C=GB", .unsupportedAttribute),
        ("DC=example, O=Alice Corp, L=London, C=GB", .unsupportedAttribute),
        // missingAttribute
        ("O=Alice Corp, L=London", .missingAttribute),
        ("L=London, C=GB", .missingAttribute),
        ("O=Alice Corp, C=GB", .missingAttribute),
        ("CN=Alice", .missingAttribute),
        // duplicateAttribute
        ("O=Alice Corp, O=Bob Corp, L=London, C=GB", .duplicateAttribute),
        ("O=Alice Corp, L=London, C=GB, c=GB", .duplicateAttribute),
        ("CN=A, CN=B, O=Alice Corp, L=London, C=GB", .duplicateAttribute),
        // invalidCountry
        ("O=Alice Corp, L=London, C=UK", .invalidCountry),
        ("O=Alice Corp, L=London, C=gb", .invalidCountry),
        ("O=Alice Corp, L=London, C=GBR", .invalidCountry),
        ("O=Alice Corp, L=London, C=EU", .invalidCountry),
        ("O=Alice Corp, L=London, C=AN", .invalidCountry),
        ("O=Alice Corp, L=London, C=Ｇ Ｂ", .invalidCountry),
        // emptyAttribute
        ("O=, L=London, C=GB", .emptyAttribute),
        ("O=Alice Corp, L= , C=GB", .emptyAttribute),
        ("CN=, O=Alice Corp, L=London, C=GB", .emptyAttribute),
        ("O=Alice Corp, L=London, C=", .emptyAttribute),
        // notNormalised (O)
        ("O=Alice  Corp, L=London, C=GB", .notNormalised),
        ("O=\\ Alice Corp, L=London, C=GB", .notNormalised),
        ("O=Alice Corp\\ , L=London, C=GB", .notNormalised),
        ("O=Ａlice Corp, L=London, C=GB", .notNormalised),
        ("O=Alice\tCorp, L=London, C=GB", .notNormalised),
        // tooFewLetters (O)
        ("O=A1, L=London, C=GB", .tooFewLetters),
        ("O=1234 567, L=London, C=GB", .tooFewLetters),
        ("O=X-, L=London, C=GB", .tooFewLetters),
        // controlCharacter
        ("O=Alice\\00Corp, L=London, C=GB", .controlCharacter),
        ("O=Alice\u{7}Corp, L=London, C=GB", .controlCharacter),
        ("O=Alice Corp, L=Lon\u{1}don, C=GB", .controlCharacter),
        ("CN=\u{85}x\u{9F}, O=Alice Corp, L=London, C=GB", .controlCharacter),
        // malformedName
        ("", .malformedName),
        ("   ", .malformedName),
        ("O=Alice Corp, L=London, C=GB,", .malformedName),
        ("O=Alice Corp, L=London, C=GB, ", .malformedName),
        (",O=Alice Corp, L=London, C=GB", .malformedName),
        ("O=Alice Corp,, L=London, C=GB", .malformedName),
        ("O=Alice Corp, L London, C=GB", .malformedName),
        ("O=Alice Corp, L=London, GB", .malformedName),
        ("=Alice Corp, L=London, C=GB", .malformedName),
        ("O U=x, O=Alice Corp, L=London, C=GB", .malformedName),
        ("O=#0403414243, L=London, C=GB", .malformedName),
        ("O=Alice \"Corp\", L=London, C=GB", .malformedName),
        ("O=Alice;Corp, L=London, C=GB", .malformedName),
        ("O=Alice<Corp>, L=London, C=GB", .malformedName),
        // invalidEscape
        ("O=Alice Corp, L=London, C=GB\\", .invalidEscape),
        ("O=Alice\\qCorp, L=London, C=GB", .invalidEscape),
        ("O=Alice\\4, L=London, C=GB", .invalidEscape),
        ("O=Alice\\4G, L=London, C=GB", .invalidEscape),
        ("O=Alice\\C3, L=London, C=GB", .invalidEscape),
        ("O=Alice\\FF\\FE, L=London, C=GB", .invalidEscape),
        // multiValuedRDN
        ("O=Alice+CN=Bob, L=London, C=GB", .multiValuedRDN),
        ("O=Alice Corp, L=London+ST=Greater London, C=GB", .multiValuedRDN),
        // nameTooLong
        ("O=Alice Corp, L=London, C=GB, CN=" + String(repeating: "x", count: 1024), .nameTooLong),
    ])
    func rejects(input: String, code: IdentityError.Code) {
        #expect(throws: IdentityError(code)) { try X500Name(input) }
    }

    @Test func errorDetailNamesTheAttributeAndRule() {
        #expect {
            try X500Name("O=Alice Corp, L=London, C=GB, SERIALNUMBER=1")
        } throws: { error in
            let error = error as? IdentityError
            return error?.code == .unsupportedAttribute && error?.detail.contains("SERIALNUMBER") == true
        }
        #expect {
            try X500Name("O=Alice Corp, L=\(String(repeating: "x", count: 64)), C=GB")
        } throws: { error in
            let error = error as? IdentityError
            return error?.code == .attributeTooLong && error?.detail.contains("L must be shorter than 64") == true
                && error?.description.hasPrefix("IdentityError: attribute too long (107): ") == true
        }
    }

    // MARK: Lengths, counted in UTF-16 code units as Corda counts them

    @Test(arguments: X500Name.Attribute.allCases.filter { $0 != .country })
    func lengthLimit(attribute: X500Name.Attribute) throws {
        let limit = attribute.lengthLimit
        #expect(limit == (attribute == .organisation ? 128 : 64))
        func name(_ value: String) throws(IdentityError) -> X500Name {
            var values: [X500Name.Attribute: String] = [.organisation: "Alice Corp", .locality: "London"]
            values[attribute] = value
            return try X500Name(
                commonName: values[.commonName], organisationalUnit: values[.organisationalUnit],
                organisation: values[.organisation]!, locality: values[.locality]!, state: values[.state],
                country: "GB")
        }
        let longest = String(repeating: "a", count: limit - 1)
        #expect(try name(longest)[attribute] == longest)
        #expect(throws: IdentityError(.attributeTooLong)) { try name(longest + "a") }
        // "😀" is two UTF-16 code units.
        let astral = "Ab" + String(repeating: "😀", count: (limit - 2) / 2)
        #expect(astral.utf16.count == limit)
        #expect(throws: IdentityError(.attributeTooLong)) { try name(astral) }
        #expect(throws: IdentityError(.attributeTooLong)) {
            try name(String(repeating: "a", count: X500Name.maximumStringLength + 1))
        }
    }

    // MARK: Country

    @Test func countryList() throws {
        #expect(X500Name.isoCountryCodes.count == 249)
        #expect(X500Name.isoCountryCodes.allSatisfy { $0.utf8.count == 2 && $0 == $0.uppercased() })
        for code in X500Name.isoCountryCodes.union([X500Name.unspecifiedCountry]) {
            #expect(try X500Name(organisation: "Alice Corp", locality: "London", country: code).country == code)
        }
    }

    // MARK: Normalisation

    @Test func organisationMustAlreadyBeNormalisedOthersAreNormalised() throws {
        for organisation in [" Alice Corp", "Alice Corp ", "Alice  Corp", "Alice\nCorp", "ﬁrst Bank", "Cafe\u{301} Ltd"] {
            #expect(throws: IdentityError(.notNormalised)) {
                try X500Name(organisation: organisation, locality: "London", country: "GB")
            }
        }
        #expect(try X500Name(organisation: "Café Ltd", locality: "London", country: "GB").organisation == "Café Ltd")
        let name = try X500Name(
            commonName: " Bob \t Smith ", organisationalUnit: "ﬁnance", organisation: "Bob Ltd",
            locality: "Lon\u{2028}don", state: "Cafe\u{301}", country: " GB ")
        #expect(name.commonName == "Bob Smith")
        #expect(name.organisationalUnit == "finance")
        #expect(name.locality == "Lon don")
        #expect(name.state?.unicodeScalars.count == 4)
        #expect(name.country == "GB")
        #expect(throws: IdentityError(.emptyAttribute)) {
            try X500Name(commonName: " \t ", organisation: "Bob Ltd", locality: "London", country: "GB")
        }
        #expect(throws: IdentityError(.emptyAttribute)) {
            try X500Name(organisation: "   ", locality: "London", country: "GB")
        }
    }

    @Test func tooFewLettersAppliesToOrganisationOnlyInMinimalMode() throws {
        #expect(try X500Name("CN=1, OU=2, O=Ab, L=3, ST=4, C=GB").organisation == "Ab")
        #expect(try X500Name("O=中国, L=Beijing, C=CN").organisation == "中国")
        #expect(throws: IdentityError(.tooFewLetters)) { try X500Name("CN=1, O=Ab, L=London, C=GB", validation: .full) }
    }

    // MARK: Full validation (doorman)

    @Test(arguments: [
        ("O=Alice\\, Inc, L=London, C=GB", IdentityError.Code.forbiddenCharacter),
        ("O=Alice=Bob, L=London, C=GB", .forbiddenCharacter),
        ("O=Alice $ Co, L=London, C=GB", .forbiddenCharacter),
        ("O=Alice\\\"s, L=London, C=GB", .forbiddenCharacter),
        ("O=Alice's, L=London, C=GB", .forbiddenCharacter),
        ("O=Alice\\\\Bob, L=London, C=GB", .forbiddenCharacter),
        ("CN=A$B, O=Alice Corp, L=London, C=GB", .forbiddenCharacter),
        ("O=Zürich AG, L=Zurich, C=CH", .nonASCII),
        ("O=Zurich AG, L=Zürich, C=CH", .nonASCII),
        ("O=alice Corp, L=London, C=GB", .notCapitalised),
        ("O=Alice Corp, L=london, C=GB", .notCapitalised),
        ("OU=payments, O=Alice Corp, L=London, C=GB", .notCapitalised),
        ("O=Alice Corp, L=London  Town, C=GB", .notNormalised),
        ("CN=Bob, O=Alice Corp, L=London, ST=N1, C=GB", .tooFewLetters),
    ])
    func fullModeRejects(input: String, code: IdentityError.Code) throws {
        #expect(throws: IdentityError(code)) { try X500Name(input, validation: .full) }
        // The node (minimal) accepts every one of these.
        _ = try X500Name(input, validation: .minimal)
    }

    @Test(arguments: [
        "O=Alice Corp, L=London, C=GB",
        "CN=Bob Smith, OU=Payments, O=Bank Of Bob, L=New York, ST=NY, C=US",
        "O=R3 Ltd, L=London, C=GB",
        "O=1st Bank, L=Paris, C=FR",
    ])
    func fullModeAccepts(input: String) throws {
        #expect(try X500Name(input, validation: .full) == X500Name(input))
    }

    // MARK: Codable

    @Test func codableRoundTrip() throws {
        let name = try X500Name("C=GB, L=London, O=Alice\\, Corp, CN=Alice")
        let data = try JSONEncoder().encode([name])
        #expect(String(decoding: data, as: UTF8.self) == #"["CN=Alice, O=Alice\\, Corp, L=London, C=GB"]"#)
        #expect(try JSONDecoder().decode([X500Name].self, from: data) == [name])
    }

    @Test func decodingValidates() {
        #expect {
            try JSONDecoder().decode([X500Name].self, from: Data(#"["O=Alice Corp, L=London, C=UK"]"#.utf8))
        } throws: { error in
            guard case DecodingError.dataCorrupted(let context) = error else { return false }
            return (context.underlyingError as? IdentityError)?.code == .invalidCountry
        }
    }
}
