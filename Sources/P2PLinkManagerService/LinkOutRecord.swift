public import NIOCore
import P2PWire

/// The value of a `link.out` record: the encoded link frame and where its destination's gateways
/// are, so that a gateway needs no membership lookup (`docs/embedded.md`, "Records").
///
/// Layout (version 1): `u8 version`, `u8 endpoint count (1…16)`, per endpoint `u16 length` + UTF-8
/// URL (≤ 1 024 bytes), `u16 length` + UTF-8 destination (the canonical holding identity, ≤ 1 024
/// bytes), then the frame's exact encoding up to the end.
public struct LinkOutRecord: Hashable, Sendable {
    public static let version: UInt8 = 1
    public static let maximumEndpoints = 16
    public static let maximumTextLength = 1024

    /// The destination's canonical holding identity: the gateway batches per destination.
    public var destination: String
    public var endpoints: [String]
    /// One encoded link frame.
    public var frame: ByteBuffer

    public init(destination: String, endpoints: [String], frame: ByteBuffer) {
        self.destination = destination
        self.endpoints = endpoints
        self.frame = frame
    }

    public func encoded() throws(ClusterError) -> [UInt8] {
        guard (1...Self.maximumEndpoints).contains(endpoints.count) else {
            throw ClusterError(.malformedRecord, "\(endpoints.count) endpoints, 1…\(Self.maximumEndpoints) allowed")
        }
        var bytes: [UInt8] = [Self.version, UInt8(endpoints.count)]
        bytes.reserveCapacity(64 + frame.readableBytes)
        for text in endpoints + [destination] {
            let utf8 = Array(text.utf8)
            guard utf8.count <= Self.maximumTextLength else {
                throw ClusterError(.malformedRecord, "a text field of \(utf8.count) bytes")
            }
            bytes.append(UInt8(utf8.count >> 8))
            bytes.append(UInt8(utf8.count & 0xFF))
            bytes += utf8
        }
        bytes += frame.readableBytesView
        return bytes
    }

    public init(decoding bytes: [UInt8]) throws(ClusterError) {
        guard bytes.count >= 2, bytes[0] == Self.version else {
            throw ClusterError(.malformedRecord, "link.out record version or length")
        }
        let count = Int(bytes[1])
        guard (1...Self.maximumEndpoints).contains(count) else {
            throw ClusterError(.malformedRecord, "\(count) endpoints")
        }
        var index = 2
        var texts: [String] = []
        for _ in 0...count {
            guard index + 2 <= bytes.count else { throw ClusterError(.malformedRecord, "truncated link.out record") }
            let length = Int(bytes[index]) << 8 | Int(bytes[index + 1])
            index += 2
            guard length <= Self.maximumTextLength, index + length <= bytes.count,
                let text = String(validating: bytes[index..<index + length], as: UTF8.self)
            else { throw ClusterError(.malformedRecord, "bad text field in link.out record") }
            texts.append(text)
            index += length
        }
        destination = texts.removeLast()
        endpoints = texts
        frame = ByteBuffer(bytes: bytes[index...])
    }
}
