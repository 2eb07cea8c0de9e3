import NIOCore
import NIOEmbedded
import NIOTestUtils
import P2PWire
import Testing

@Suite("LinkFrameDecoder in a NIO pipeline")
struct LinkFrameDecoderTests {
    @Test("ByteToMessageDecoderVerifier: one byte at a time, many frames per buffer, every type")
    func verifier() throws {
        let pairs = try WireFixtures.everyType().map { frame in (WireFixtures.encoded(frame), [frame]) }
        try ByteToMessageDecoderVerifier.verifyDecoder(inputOutputPairs: pairs) { LinkFrameDecoder() }
    }

    @Test("a 4-byte prefix declaring 4 GiB fails the channel at once, before more bytes arrive")
    func oversizedPrefixFailsTheChannel() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(LinkFrameDecoder()))
        #expect(throws: WireError(.frameTooLarge)) {
            try channel.writeInbound(ByteBuffer(bytes: [0xFF, 0xFF, 0xFF, 0xFF]))
        }
        _ = try? channel.finish()
    }

    @Test("bytes left when the stream ends are a truncated frame")
    func leftoverAtEOF() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(LinkFrameDecoder()))
        let frame = try WireFixtures.everyType()[4]
        var bytes = WireFixtures.encoded(frame)
        bytes.writeImmutableBuffer(bytes.getSlice(at: 0, length: 10)!)
        try channel.writeInbound(bytes)
        #expect(try channel.readInbound(as: LinkFrame.self) == frame)
        #expect(try channel.readInbound(as: LinkFrame.self) == nil)
        #expect(throws: WireError(.truncated)) { try channel.finish() }
    }
}
