@_exported public import P2PErrors

/// An identity that failed validation: which rule, and where in our code it was detected.
public typealias IdentityError = CodedError<IdentityErrorDomain>

/// The domain of ``IdentityError``.
public enum IdentityErrorDomain: ErrorDomain {
    public static let name = "IdentityError"
}

/// What can fail. Numbers are stable (see `docs/error-codes.md`, range 100–199).
extension CodedError.Code where Domain == IdentityErrorDomain {
    public static var emptyGroupID: Self { Self(100, "empty group id") }
    public static var groupIDTooLong: Self { Self(101, "group id too long") }
    public static var invalidGroupIDCharacter: Self { Self(102, "invalid character in group id") }

    // X.500 names: which attributes, and how many of each.
    public static var unsupportedAttribute: Self { Self(103, "unsupported attribute") }
    public static var missingAttribute: Self { Self(104, "missing attribute") }
    public static var duplicateAttribute: Self { Self(105, "duplicate attribute") }
    // X.500 names: the value of one attribute.
    public static var invalidCountry: Self { Self(106, "invalid country") }
    public static var attributeTooLong: Self { Self(107, "attribute too long") }
    public static var emptyAttribute: Self { Self(108, "empty attribute") }
    public static var notNormalised: Self { Self(109, "attribute not normalised") }
    public static var tooFewLetters: Self { Self(110, "too few letters") }
    public static var controlCharacter: Self { Self(111, "control character") }
    public static var forbiddenCharacter: Self { Self(112, "forbidden character") }
    public static var nonASCII: Self { Self(113, "non-ASCII character") }
    public static var notCapitalised: Self { Self(114, "not capitalised") }
    // X.500 names: the string form.
    public static var malformedName: Self { Self(115, "malformed name") }
    public static var invalidEscape: Self { Self(116, "invalid escape") }
    public static var multiValuedRDN: Self { Self(117, "multi-valued RDN") }
    public static var nameTooLong: Self { Self(118, "name too long") }
    // Message ids and holding identities.
    public static var emptyMessageID: Self { Self(119, "empty message id") }
    public static var messageIDTooLong: Self { Self(120, "message id too long") }
    public static var invalidMessageIDCharacter: Self { Self(121, "invalid character in message id") }
    public static var malformedHoldingIdentity: Self { Self(122, "malformed holding identity") }
}
