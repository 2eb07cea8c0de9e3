public import NIOCore

/// A NIO decoder that turns a byte stream into ``LinkFrame``s, one at a time, with the checks of
/// ``LinkFrame/decode(from:limits:)``: a frame over the limit is rejected from its length prefix,
/// before its bytes arrive. Bytes left over when the stream ends (EOF) throw ``WireError/Code/truncated``.
///
/// Use it in a pipeline as `ByteToMessageHandler(LinkFrameDecoder())`.
public struct LinkFrameDecoder: NIOSingleStepByteToMessageDecoder {
    public typealias InboundOut = LinkFrame

    public let limits: FrameLimits

    public init(limits: FrameLimits = .default) {
        self.limits = limits
    }

    public mutating func decode(buffer: inout ByteBuffer) throws -> LinkFrame? {
        try LinkFrame.decode(from: &buffer, limits: limits)
    }

    public mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> LinkFrame? {
        if let frame = try decode(buffer: &buffer) { return frame }
        guard !seenEOF || buffer.readableBytes == 0 else {
            throw WireError(.truncated, "stream ended \(buffer.readableBytes) bytes into a frame")
        }
        return nil
    }
}
