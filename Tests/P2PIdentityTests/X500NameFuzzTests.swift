import P2PIdentity
import Testing
import P2PTestSupport

/// Random and mutated strings: never a crash, always either a valid name or a typed error.
@Suite struct X500NameFuzzTests {
    /// Every code the X.500 parser and validator may throw.
    static let nameCodes: Set<IdentityError.Code> = [
        .unsupportedAttribute, .missingAttribute, .duplicateAttribute, .invalidCountry, .attributeTooLong,
        .emptyAttribute, .notNormalised, .tooFewLetters, .controlCharacter, .forbiddenCharacter, .nonASCII,
        .notCapitalised, .malformedName, .invalidEscape, .multiValuedRDN, .nameTooLong,
    ]

    static let seeds: [String] = [
        "O=Alice Corp, L=London, C=GB",
        "CN=Bob, OU=Payments, O=Bank of Bob, L=New York, ST=NY, C=US",
        ##"CN=\#x\, y\+z, OU=\<Ops\>\; \"Desk\", O=A\\B\, C\+D, L=L=1, ST=\#, C=GB"##,
        #"O=Caf\C3\A9 Ltd, L=Zürich, C=CH"#,
    ]

    /// Fragments that exercise the grammar more often than uniformly random scalars would.
    static let tokens: [String] = [
        "O", "L", "C", "CN", "OU", "ST", "o", "cn", "X", "=", ",", " ", "\t", "\\", "+", "#", "\"", ";", "<", ">",
        "GB", "ZZ", "gb", "Alice", "Corp", "\u{0}", "\u{1F}", "\u{7F}", "\u{85}", "\u{A0}", "é", "e\u{301}", "ﬁ",
        "Ａ", "😀", "\u{2028}", "\\2C", "\\C3", "\\A9", "\\FF", "\\", "$", "'", "@", "\r\n",
    ]

    @Test(arguments: [1, 2, 3] as [UInt64])
    func randomAndMutatedStrings(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        var valid = 0
        var codes = Set<IdentityError.Code>()
        for iteration in 0..<1_000 {
            let input = iteration.isMultiple(of: 2)
                ? Self.tokenString(using: &random)
                : Self.mutate(Self.seeds.randomElement(using: &random)!, using: &random)
            for mode in [X500Name.ValidationMode.minimal, .full] {
                if let code = Self.check(input, mode: mode) { codes.insert(code) } else { valid += 1 }
            }
        }
        // The generator reaches both outcomes and many rules, so the loop above tests something.
        #expect(valid >= 50)
        #expect(codes.count >= 10, "\(codes)")
    }

    @Test func oversizedInputsAreRejectedByLength() {
        var random = SplitMix64(seed: 9)
        for _ in 0..<20 {
            let length = Int.random(in: (X500Name.maximumStringLength + 1)...(4 * X500Name.maximumStringLength), using: &random)
            let input = "O=" + String(repeating: "a", count: length)
            #expect(throws: IdentityError(.nameTooLong)) { try X500Name(input) }
        }
    }

    /// Parses `input`; returns the error code, or `nil` for a valid name.
    static func check(_ input: String, mode: X500Name.ValidationMode) -> IdentityError.Code? {
        do {
            let name = try X500Name(input, validation: mode)
            // A valid name round-trips through its canonical form, under the same mode.
            let reparsed = try X500Name(name.description, validation: mode)
            #expect(reparsed == name, "\(input.debugDescription)")
            #expect(reparsed.description == name.description)
            return nil
        } catch {
            #expect(nameCodes.contains(error.code), "\(input.debugDescription): \(error)")
            return error.code
        }
    }

    static func tokenString<G: RandomNumberGenerator>(using random: inout G) -> String {
        let count = Int.random(in: 0...40, using: &random)
        return (0..<count).map { _ in tokens.randomElement(using: &random)! }.joined()
    }

    static func mutate<G: RandomNumberGenerator>(_ seed: String, using random: inout G) -> String {
        var scalars = Array(seed.unicodeScalars)
        for _ in 0..<Int.random(in: 1...4, using: &random) {
            let position = Int.random(in: 0...scalars.count, using: &random)
            switch Int.random(in: 0..<4, using: &random) {
            case 0:  // insert a token
                scalars.insert(contentsOf: tokens.randomElement(using: &random)!.unicodeScalars, at: position)
            case 1:  // insert any scalar
                let value = UInt32.random(in: 0...0x10FFFF, using: &random)
                scalars.insert(Unicode.Scalar(value) ?? "?", at: position)
            case 2:  // delete
                if position < scalars.count { scalars.remove(at: position) }
            default:  // truncate
                scalars.removeSubrange(position...)
            }
        }
        var result = String.UnicodeScalarView()
        result.append(contentsOf: scalars)
        return String(result)
    }
}
