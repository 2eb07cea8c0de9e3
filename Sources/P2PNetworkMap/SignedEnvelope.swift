import Foundation
public import P2PX509
import P2PMembership

/// A signed object as the network map stores and serves it: the raw payload bytes, a signature over
/// them, and the signer's certificate chain (signer first). See `docs/network-map.md`.
///
/// An envelope proves nothing until ``NetworkTrust`` has verified it; its ``hash`` is over the raw
/// payload, not the envelope, so re-signing a payload keeps its hash.
public struct SignedEnvelope: Sendable, Hashable {
    /// The envelope format this build writes and reads.
    public static let formatVersion = 1
    /// The signer's certificate and at most this many more (intermediates).
    public static let maximumCertificates = 1 + TrustStore.maximumChainDepth
    /// The largest PEM certificate accepted.
    public static let maximumCertificateBytes = 16 * 1024

    /// The raw payload bytes: UTF-8 JSON (see the payload types).
    public let payload: [UInt8]
    public let signature: [UInt8]
    /// PEM certificates: the signer's first, then the intermediates towards the root.
    public let certificates: [String]

    public init(payload: [UInt8], signature: [UInt8], certificates: [String]) {
        self.payload = payload
        self.signature = signature
        self.certificates = certificates
    }

    /// The object's hash: SHA-256 of the raw payload.
    public var hash: SecureHash { SecureHash(of: payload) }

    /// Signs `payload` with `key`, attaching `chain` (the key's certificate first, then intermediates).
    public static func sign(payload: [UInt8], key: PrivateKey, chain: [Certificate]) throws(NetworkMapError) -> SignedEnvelope {
        guard !chain.isEmpty, chain.count <= maximumCertificates else {
            throw NetworkMapError(.signingFailed, "a chain of 1…\(maximumCertificates) certificates is needed")
        }
        guard let certificateKey = chain[0].publicKey, certificateKey == key.publicKey else {
            throw NetworkMapError(.signingFailed, "the key is not the first certificate's key")
        }
        var pems: [String] = []
        for certificate in chain {
            do {
                pems.append(try certificate.pemRepresentation)
            } catch {
                throw NetworkMapError(.signingFailed, "certificate encoding: \(error.detail)")
            }
        }
        return SignedEnvelope(payload: payload, signature: try PayloadSignature.sign(payload, with: key), certificates: pems)
    }

    // MARK: Encoding

    struct Wire: Codable {
        var formatVersion: Int
        var payload: String
        var signature: String
        var certificates: [String]

        enum CodingKeys: String, CodingKey, CaseIterable { case formatVersion, payload, signature, certificates }

        init(formatVersion: Int, payload: String, signature: String, certificates: [String]) {
            self.formatVersion = formatVersion
            self.payload = payload
            self.signature = signature
            self.certificates = certificates
        }

        init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownFields(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            formatVersion = try c.decode(Int.self, forKey: .formatVersion)
            payload = try c.decode(String.self, forKey: .payload)
            signature = try c.decode(String.self, forKey: .signature)
            certificates = try c.decode([String].self, forKey: .certificates)
        }
    }

    /// The envelope's bytes (deterministic JSON).
    public func encoded() -> [UInt8] {
        StrictJSON.encode(
            Wire(
                formatVersion: Self.formatVersion, payload: Data(payload).base64EncodedString(),
                signature: Data(signature).base64EncodedString(), certificates: certificates))
    }

    /// Decodes an envelope strictly, refusing more than `maximumBytes` before parsing.
    public static func decode(_ bytes: [UInt8], maximumBytes: Int) throws(NetworkMapError) -> SignedEnvelope {
        guard bytes.count <= maximumBytes else {
            throw NetworkMapError(.tooLarge, "\(bytes.count) bytes, more than \(maximumBytes)")
        }
        let wire: Wire
        do {
            wire = try StrictJSON.decode(Wire.self, from: bytes, maximumBytes: maximumBytes)
        } catch {
            throw NetworkMapError(.malformedEnvelope, Self.describe(error))
        }
        guard wire.formatVersion == formatVersion else {
            throw NetworkMapError(.unsupportedFormatVersion, "envelope format \(wire.formatVersion); this build reads \(formatVersion)")
        }
        guard let payload = Data(base64Encoded: wire.payload), !payload.isEmpty else {
            throw NetworkMapError(.malformedEnvelope, "payload: not base64")
        }
        guard let signature = Data(base64Encoded: wire.signature), !signature.isEmpty,
            signature.count <= PayloadSignature.maximumSignatureBytes
        else { throw NetworkMapError(.malformedEnvelope, "signature: not base64 of 1…\(PayloadSignature.maximumSignatureBytes) bytes") }
        guard !wire.certificates.isEmpty, wire.certificates.count <= maximumCertificates else {
            throw NetworkMapError(.malformedEnvelope, "certificates: must hold 1…\(maximumCertificates) PEM certificates")
        }
        for (index, pem) in wire.certificates.enumerated() where pem.utf8.count > maximumCertificateBytes {
            throw NetworkMapError(.malformedEnvelope, "certificates[\(index)]: longer than \(maximumCertificateBytes) bytes")
        }
        return SignedEnvelope(payload: [UInt8](payload), signature: [UInt8](signature), certificates: wire.certificates)
    }

    /// A membership decoding error as a one-line reason naming the field.
    static func describe(_ error: MembershipError) -> String {
        [error.field, error.detail.isEmpty ? error.code.name : error.detail].compactMap { $0 }.joined(separator: ": ")
    }
}
