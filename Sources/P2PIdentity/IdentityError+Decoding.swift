extension IdentityError {
    /// Decodes a single string and validates it with `make`, reporting a validation failure
    /// as `DecodingError.dataCorrupted` whose underlying error is the ``IdentityError``.
    static func decodeString<T>(from decoder: any Decoder, _ make: (String) throws(IdentityError) -> T) throws -> T {
        let string = try decoder.singleValueContainer().decode(String.self)
        do {
            return try make(string)
        } catch {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: error.description, underlyingError: error))
        }
    }

    /// Encodes `string` as a single value.
    static func encodeString(_ string: String, to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(string)
    }
}
