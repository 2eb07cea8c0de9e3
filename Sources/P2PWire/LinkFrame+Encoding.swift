public import NIOCore

extension LinkFrame {
    /// Appends the frame's bytes to `buffer`: header, then body. Payloads are copied once, into `buffer`.
    public func encode(into buffer: inout ByteBuffer) {
        buffer.reserveCapacity(minimumWritableBytes: encodedLength)
        header.encode(bodyLength: body.encodedLength, into: &buffer)
        switch body {
        case .initiatorHello(let hello):
            buffer.writeImmutableBuffer(hello.ephemeralPublicKey)
            buffer.writeInteger(hello.supportedModes.rawValue)
            buffer.writeImmutableBuffer(hello.identityKeyHash)
            buffer.writeField(hello.groupID, lengthAs: UInt8.self)
        case .responderHello(let hello):
            buffer.writeImmutableBuffer(hello.ephemeralPublicKey)
            buffer.writeInteger(hello.selectedMode.rawValue)
        case .initiatorHandshake(let payload), .responderHandshake(let payload), .ack(let payload),
            .heartbeat(let payload):
            buffer.writeField(payload, lengthAs: UInt32.self)
        case .data(let expiry, let payload):
            buffer.writeInteger(expiry)
            buffer.writeField(payload, lengthAs: UInt32.self)
        case .unauthenticated(let message):
            buffer.writeInteger(message.expiry)
            buffer.writeField(message.source, lengthAs: UInt16.self)
            buffer.writeField(message.sourceGroupID, lengthAs: UInt8.self)
            buffer.writeField(message.destination, lengthAs: UInt16.self)
            buffer.writeField(message.destinationGroupID, lengthAs: UInt8.self)
            buffer.writeField(message.messageID, lengthAs: UInt8.self)
            buffer.writeField(message.subsystem, lengthAs: UInt8.self)
            buffer.writeField(message.payload, lengthAs: UInt32.self)
        }
    }
}

extension ByteBuffer {
    /// Writes a length prefix of the given width, then the field's bytes. The length was validated
    /// against the field's maximum when the frame was built.
    fileprivate mutating func writeField<Length: FixedWidthInteger>(_ field: ByteBuffer, lengthAs: Length.Type) {
        writeInteger(Length(field.readableBytes))
        writeImmutableBuffer(field)
    }
}
