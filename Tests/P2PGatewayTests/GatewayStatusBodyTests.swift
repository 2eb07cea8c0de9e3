import NIOCore
import P2PGateway
import Testing

@Suite struct GatewayStatusBodyTests {
    @Test func roundTripsWithPerFrameStatuses() throws {
        let body = GatewayStatusBody.accepted([.init(frameIndex: 0, .unknownSession), .init(frameIndex: 7, .frameExpired)])
        var buffer = ByteBuffer()
        body.encode(into: &buffer)
        #expect(buffer.readableBytes == 12 + 16)
        #expect(Array(buffer.readableBytesView.prefix(8)) == [0x50, 0x32, 0x50, 0x53, 1, 0, 0, 0])
        #expect(try GatewayStatusBody.decode(buffer) == body)
    }

    @Test func refusesCountsThatTheBytesCannotHold() {
        var buffer = ByteBuffer()
        buffer.writeMultipleIntegers(GatewayStatusBody.magic, UInt8(1), UInt8(0), UInt16(0), UInt32.max)
        #expect(throws: GatewayError(.malformedResponse)) { try GatewayStatusBody.decode(buffer) }
        #expect(throws: GatewayError(.malformedResponse)) { try GatewayStatusBody.decode(ByteBuffer(string: "P2PS")) }
        var wrongMagic = ByteBuffer()
        wrongMagic.writeMultipleIntegers(UInt32(0x5032_5042), UInt8(1), UInt8(0), UInt16(0), UInt32(0))
        #expect(throws: GatewayError(.malformedResponse)) { try GatewayStatusBody.decode(wrongMagic) }
    }

    @Test func codesMapBackFromTheirNumbers() {
        #expect(GatewayError.Code(rawValue: 709) == .unknownSession)
        #expect(GatewayError.Code(rawValue: 799) == nil)
        #expect(Set(GatewayError.Code.all.map(\.rawValue)).count == GatewayError.Code.all.count)
    }
}
