public import NIOCore

extension LinkFrame {
    /// Decodes one frame from the front of `buffer`.
    ///
    /// Returns `nil`, consuming nothing, when the buffer does not yet hold the whole frame; on success
    /// consumes exactly the frame's bytes. The checks of the header's first bytes run as soon as those
    /// bytes are present: a length prefix declaring more than `limits.maximumFrameLength` throws from
    /// its 4 bytes alone, before anything waits for or allocates the rest. The returned frame's
    /// fields are slices of `buffer`'s storage.
    public static func decode(
        from buffer: inout ByteBuffer, limits: FrameLimits = .default
    ) throws(WireError) -> LinkFrame? {
        let start = buffer.readerIndex
        let available = buffer.readableBytes
        guard let length = buffer.getInteger(at: start, as: UInt32.self) else { return nil }
        let frameLength = LinkFrameHeader.lengthFieldSize + Int(length)
        guard frameLength >= LinkFrameHeader.size else {
            throw WireError(.frameTooShort, "\(frameLength) bytes, minimum \(LinkFrameHeader.size)")
        }
        guard frameLength <= limits.maximumFrameLength else {
            throw WireError(.frameTooLarge, "\(frameLength) bytes, maximum \(limits.maximumFrameLength)")
        }
        if let version = buffer.getInteger(at: start + 4, as: UInt8.self), version != WireVersion.current {
            throw WireError(.unsupportedVersion, "version \(version)")
        }
        var type: LinkFrameType?
        if let rawType = buffer.getInteger(at: start + 5, as: UInt8.self) {
            type = LinkFrameType(rawValue: rawType)
            guard type != nil else { throw WireError(.unknownFrameType, "type \(rawType)") }
        }
        if let flags = buffer.getInteger(at: start + 6, as: UInt16.self), flags != LinkFrameHeader.flags {
            throw WireError(.reservedFlagsSet, "flags \(flags)")
        }
        guard available >= frameLength, let type, var frame = buffer.getSlice(at: start, length: frameLength)
        else { return nil }

        // The length, version, type and flags were checked above.
        let headerBytes = frame.readSlice(length: LinkFrameHeader.size)!
        let (sessionHigh, sessionLow, sequenceNumber, timestamp) = headerBytes.getMultipleIntegers(
            at: headerBytes.readerIndex + 8, as: (UInt64, UInt64, UInt64, UInt64).self)!
        let header = LinkFrameHeader(
            type: type, sessionID: SessionID(high: sessionHigh, low: sessionLow), sequenceNumber: sequenceNumber,
            timestamp: timestamp)

        var reader = WireReader(frame)
        let body = try decodeBody(header: header, reader: &reader, limits: limits)
        try reader.finish()
        buffer.moveReaderIndex(forwardBy: frameLength)
        return LinkFrame(header: header, body: body, receivedHeaderBytes: headerBytes)
    }

    private static func decodeBody(
        header: LinkFrameHeader, reader: inout WireReader, limits: FrameLimits
    ) throws(WireError) -> Body {
        switch header.type {
        case .initiatorHello:
            let key = try reader.readFixed(FrameLimits.publicKeyLength, "ephemeral public key")
            let modes = try ProtocolModes(validating: try reader.readInteger("supported modes", as: UInt8.self))
            let hash = try reader.readFixed(FrameLimits.identityKeyHashLength, "identity key hash")
            let group = try reader.readText("group id", lengthType: UInt8.self, 1...FrameLimits.maximumGroupIDLength)
            return .initiatorHello(
                InitiatorHello(ephemeralPublicKey: key, supportedModes: modes, identityKeyHash: hash, groupID: group))
        case .responderHello:
            let key = try reader.readFixed(FrameLimits.publicKeyLength, "ephemeral public key")
            let mode = try ProtocolMode(validating: try reader.readInteger("selected mode", as: UInt8.self))
            return .responderHello(ResponderHello(ephemeralPublicKey: key, selectedMode: mode))
        case .initiatorHandshake:
            return .initiatorHandshake(
                sealedPayload: try reader.readBytes("sealed payload", maximum: limits.maximumHandshakePayloadLength))
        case .responderHandshake:
            return .responderHandshake(
                sealedPayload: try reader.readBytes("sealed payload", maximum: limits.maximumHandshakePayloadLength))
        case .data:
            let expiry = try reader.readInteger("expiry", as: UInt64.self)
            let payload = try reader.readBytes("sealed payload", maximum: limits.maximumPayloadLength)
            return .data(expiry: expiry, sealedPayload: payload)
        case .ack:
            return .ack(sealedPayload: try reader.readBytes("sealed payload", maximum: limits.maximumControlPayloadLength))
        case .heartbeat:
            return .heartbeat(
                sealedPayload: try reader.readBytes("sealed payload", maximum: limits.maximumControlPayloadLength))
        case .unauthenticated:
            guard header.sessionID.isZero else { throw WireError(.sessionIDNotZero) }
            let name = 1...FrameLimits.maximumX500NameLength
            let group = 1...FrameLimits.maximumGroupIDLength
            let expiry = try reader.readInteger("expiry", as: UInt64.self)
            let source = try reader.readText("source name", lengthType: UInt16.self, name)
            let sourceGroup = try reader.readText("source group id", lengthType: UInt8.self, group)
            let destination = try reader.readText("destination name", lengthType: UInt16.self, name)
            let destinationGroup = try reader.readText("destination group id", lengthType: UInt8.self, group)
            let messageID = try reader.readText(
                "message id", lengthType: UInt8.self, 1...FrameLimits.maximumMessageIDLength)
            let subsystem = try reader.readText(
                "subsystem", lengthType: UInt8.self, 0...FrameLimits.maximumSubsystemLength)
            let payload = try reader.readBytes("payload", maximum: limits.maximumPayloadLength)
            return .unauthenticated(
                UnauthenticatedMessage(
                    expiry: expiry, source: source, sourceGroupID: sourceGroup, destination: destination,
                    destinationGroupID: destinationGroup, messageID: messageID, subsystem: subsystem,
                    payload: payload))
        }
    }
}
