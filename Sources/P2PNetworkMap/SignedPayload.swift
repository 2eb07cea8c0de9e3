import P2PMembership

/// A payload the network map signs: JSON with a `type` and a `formatVersion` inside the signed bytes,
/// so that one kind of signed object cannot be presented as another.
public protocol SignedPayload: Codable, Sendable, Equatable {
    /// The `type` field's value.
    static var payloadType: String { get }
    /// The largest payload of this kind, in bytes.
    static var maximumBytes: Int { get }
    /// Checks the fields' rules (after strict decoding, before anything uses the payload).
    func validate() throws(NetworkMapError)
}

/// Every payload's `formatVersion`.
public let payloadFormatVersion = 1

struct PayloadHeader: Decodable {
    var type: String
    var formatVersion: Int
}

extension SignedPayload {
    /// The raw payload bytes (deterministic JSON: sorted keys, no insignificant white space).
    public func encoded() -> [UInt8] { StrictJSON.encode(self) }

    /// Decodes raw payload bytes: the size, then the type and version, then the fields, strictly.
    public static func decode(payload bytes: [UInt8]) throws(NetworkMapError) -> Self {
        guard bytes.count <= maximumBytes else {
            throw NetworkMapError(.tooLarge, "\(payloadType) payload of \(bytes.count) bytes, more than \(maximumBytes)")
        }
        let header: PayloadHeader
        do {
            header = try StrictJSON.decode(PayloadHeader.self, from: bytes, maximumBytes: maximumBytes)
        } catch {
            throw NetworkMapError(.malformedPayload, SignedEnvelope.describe(error))
        }
        guard header.type == payloadType else {
            throw NetworkMapError(.wrongPayloadType, "expected a \(payloadType) payload")
        }
        guard header.formatVersion == payloadFormatVersion else {
            throw NetworkMapError(.unsupportedFormatVersion, "\(payloadType) format \(header.formatVersion); this build reads \(payloadFormatVersion)")
        }
        let payload: Self
        do {
            payload = try StrictJSON.decode(Self.self, from: bytes, maximumBytes: maximumBytes)
        } catch {
            throw NetworkMapError(.malformedPayload, SignedEnvelope.describe(error))
        }
        try payload.validate()
        return payload
    }
}
