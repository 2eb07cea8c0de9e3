import NIOCore
import P2PSession
import P2PWire

/// Seals payloads into Data, Ack and Heartbeat frames and opens them: the AEAD associated data is
/// the frame's 40-byte header, the nonce its sequence number (`docs/wire-format.md` §1.1).
enum FrameSealing {
    /// Seals `payload` on `transport` as the next message into an encoded frame of `type`.
    static func seal(
        _ transport: inout TransportSession, type: LinkFrameType, sessionID: SessionID, payload: [UInt8],
        expiry: UInt64 = 0, now: UInt64
    ) throws -> ByteBuffer {
        let sequence = transport.nextSequenceNumber
        let header = LinkFrameHeader(type: type, sessionID: sessionID, sequenceNumber: sequence, timestamp: now)
        let sealedCount = TransportSession.sealedCount(payloadCount: payload.count)
        var associated = try header.associatedData(sealedPayloadLength: sealedCount)
        let associatedBytes = associated.readBytes(length: associated.readableBytes) ?? []
        var sealed = [UInt8](repeating: 0, count: sealedCount)
        _ = try payload.withUnsafeBytes { plain in
            try associatedBytes.withUnsafeBytes { ad in
                try sealed.withUnsafeMutableBytes { out in
                    try transport.seal(sequenceNumber: sequence, payload: plain, associatedData: ad, into: out)
                }
            }
        }
        let body: LinkFrame.Body =
            switch type {
            case .data: .data(expiry: expiry, sealedPayload: ByteBuffer(bytes: sealed))
            case .ack: .ack(sealedPayload: ByteBuffer(bytes: sealed))
            default: .heartbeat(sealedPayload: ByteBuffer(bytes: sealed))
            }
        var buffer = ByteBuffer()
        try LinkFrame(header: header, body: body).encode(into: &buffer)
        return buffer
    }

    /// Opens a decoded Data, Ack or Heartbeat frame on `transport`; `nil` for other types.
    static func open(_ transport: inout TransportSession, _ frame: LinkFrame) throws -> [UInt8]? {
        let sealedBuffer: ByteBuffer
        switch frame.body {
        case .data(_, let payload), .ack(let payload), .heartbeat(let payload): sealedBuffer = payload
        default: return nil
        }
        let associated = Array(frame.headerBytes.readableBytesView)
        let sealed = Array(sealedBuffer.readableBytesView)
        var plaintext = [UInt8](repeating: 0, count: sealed.count)
        let count = try sealed.withUnsafeBytes { s in
            try associated.withUnsafeBytes { a in
                try plaintext.withUnsafeMutableBytes { out in
                    try transport.open(sequenceNumber: frame.header.sequenceNumber, sealed: s, associatedData: a, into: out)
                }
            }
        }
        return Array(plaintext.prefix(count))
    }

    static func encode(_ frame: LinkFrame) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(frame.encodedLength)
        frame.encode(into: &buffer)
        return buffer
    }
}
