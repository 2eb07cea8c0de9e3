extension LinkFrame: CustomStringConvertible {
    /// Type, session, sequence number, timestamp and sizes: never payload, key or name bytes, so a
    /// frame can be logged.
    public var description: String {
        "LinkFrame(\(type), session \(header.sessionID), sequence \(header.sequenceNumber), "
            + "timestamp \(header.timestamp), \(encodedLength) bytes)"
    }
}
