import NIOCore
import P2PWire
import P2PTestSupport

enum WireFixtures {
    static func bytes(_ count: Int, seed: UInt64) -> ByteBuffer {
        var generator = SplitMix64(seed: seed)
        return ByteBuffer(bytes: (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    static func text(_ string: String) -> ByteBuffer { ByteBuffer(string: string) }

    static let session = SessionID(high: 0x0102_0304_0506_0708, low: 0x090A_0B0C_0D0E_0F10)

    /// One frame of every type, with edge values (empty payloads, non-ASCII text, maximum-length ids).
    static func everyType() throws -> [LinkFrame] {
        let hello = InitiatorHello(
            ephemeralPublicKey: bytes(32, seed: 1), supportedModes: [.authenticationOnly, .authenticatedEncryption],
            identityKeyHash: bytes(32, seed: 2), groupID: text("group-Ω-1"))
        let unauthenticated = UnauthenticatedMessage(
            expiry: 1_700_000_123_456,
            source: text("O=Alice Corp, L=Zürich, C=CH"), sourceGroupID: text(String(repeating: "g", count: 128)),
            destination: text("O=Bob, L=London, C=GB"), destinationGroupID: text("group-1"),
            messageID: text(String(repeating: "m", count: 255)), subsystem: text(""),
            payload: bytes(300, seed: 3))
        let bodies: [LinkFrame.Body] = [
            .initiatorHello(hello),
            .responderHello(ResponderHello(ephemeralPublicKey: bytes(32, seed: 4), selectedMode: .authenticatedEncryption)),
            .initiatorHandshake(sealedPayload: bytes(200, seed: 5)),
            .responderHandshake(sealedPayload: bytes(180, seed: 6)),
            .data(expiry: 0, sealedPayload: bytes(1024, seed: 7)),
            .data(expiry: .max, sealedPayload: ByteBuffer()),
            .ack(sealedPayload: bytes(40, seed: 8)),
            .heartbeat(sealedPayload: bytes(16, seed: 9)),
            .unauthenticated(unauthenticated),
        ]
        return try bodies.enumerated().map { index, body in
            try LinkFrame(
                sessionID: body.type == .unauthenticated ? .zero : session, sequenceNumber: UInt64(index) << 40 | 7,
                timestamp: 1_700_000_000_000 + UInt64(index), body: body)
        }
    }

    static func dataFrame(payload: ByteBuffer, sequence: UInt64 = 1) throws -> LinkFrame {
        try LinkFrame(
            sessionID: session, sequenceNumber: sequence, timestamp: 1_700_000_000_000,
            body: .data(expiry: 1_700_000_060_000, sealedPayload: payload))
    }

    static func encoded(_ frame: LinkFrame) -> ByteBuffer {
        var buffer = ByteBuffer()
        frame.encode(into: &buffer)
        return buffer
    }

    /// A 40-byte header with any field overridden, to build invalid frames byte by byte.
    static func rawHeader(
        length: UInt32, version: UInt8 = 1, type: UInt8 = 5, flags: UInt16 = 0, session: SessionID = session
    ) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeMultipleIntegers(
            length, version, type, flags, session.high, session.low, UInt64(1), UInt64(2))
        return buffer
    }
}
