import Foundation

extension X500Name {
    /// The characters `ValidationMode.full` forbids in any attribute (Corda's `CharacterRule`).
    static let fullModeForbiddenCharacters: Set<Unicode.Scalar> = [",", "=", "$", "\"", "'", "\\"]

    /// Corda's normal form: NFKC, then every run of Unicode white space replaced by one
    /// space, then leading and trailing white space removed.
    ///
    /// Corda applies NFKC last; applying it first makes the result idempotent (NFKC can turn
    /// a no-break space into a plain one, which Corda would then leave doubled).
    static func normalise(_ value: String) -> String {
        var result = String.UnicodeScalarView()
        var pendingSpace = false
        for scalar in value.precomposedStringWithCompatibilityMapping.unicodeScalars {
            if scalar.properties.isWhitespace {
                pendingSpace = !result.isEmpty
            } else {
                if pendingSpace { result.append(" ") }
                pendingSpace = false
                result.append(scalar)
            }
        }
        return String(result)
    }

    /// Checks one attribute value under `mode` and returns it normalised.
    static func validate(_ value: String, as attribute: Attribute, mode: ValidationMode) throws(IdentityError) -> String {
        guard !value.isEmpty else { throw IdentityError(.emptyAttribute, "\(attribute) is empty") }
        // Bound the work before normalising: NFKC may expand a string (at most 18 times).
        guard value.utf8.count <= maximumStringLength else {
            throw IdentityError(.attributeTooLong, "\(attribute) is longer than \(maximumStringLength) UTF-8 bytes")
        }
        let normalised = normalise(value)
        guard !normalised.isEmpty else { throw IdentityError(.emptyAttribute, "\(attribute) is only white space") }

        if attribute == .country {
            // The country rule is stricter than every other rule: two upper-case ASCII letters.
            guard isoCountryCodes.contains(normalised) || normalised == unspecifiedCountry else {
                throw IdentityError(.invalidCountry, "C must be an upper-case ISO 3166-1 alpha-2 code or ZZ")
            }
            return normalised
        }

        // The organisation rules apply to O always, and to every attribute in full mode.
        let organisationRules = attribute == .organisation || mode == .full
        // Compare scalars: String's == treats canonically equivalent strings as equal,
        // which would let a decomposed accent pass as normalised.
        if organisationRules, !value.unicodeScalars.elementsEqual(normalised.unicodeScalars) {
            throw IdentityError(
                .notNormalised,
                "\(attribute) must already be normalised (NFKC, no leading, trailing or repeated white space)")
        }
        guard normalised.utf16.count < attribute.lengthLimit else {
            throw IdentityError(.attributeTooLong, "\(attribute) must be shorter than \(attribute.lengthLimit) characters")
        }
        if normalised.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            throw IdentityError(.controlCharacter, "\(attribute) must not contain NUL or control characters")
        }
        if organisationRules {
            let letters = normalised.unicodeScalars.lazy.filter(\.isLetter).count
            guard letters >= 2 else { throw IdentityError(.tooFewLetters, "\(attribute) must have at least 2 letters") }
        }
        if mode == .full {
            if normalised.unicodeScalars.contains(where: fullModeForbiddenCharacters.contains) {
                throw IdentityError(.forbiddenCharacter, #"\#(attribute) must not contain , = $ " ' or \"#)
            }
            guard normalised.unicodeScalars.allSatisfy(\.isASCII) else {
                throw IdentityError(.nonASCII, "\(attribute) must be ASCII only")
            }
            if let first = normalised.unicodeScalars.first, first.properties.changesWhenUppercased {
                throw IdentityError(.notCapitalised, "\(attribute) must start with an upper-case character")
            }
        }
        return normalised
    }
}

extension Unicode.Scalar {
    /// A letter in Java's `Character.isLetter` sense: general category L*.
    fileprivate var isLetter: Bool {
        switch properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: true
        default: false
        }
    }
}
