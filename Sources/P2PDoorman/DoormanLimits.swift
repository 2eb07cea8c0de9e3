/// Every bound the doorman and its client keep (`docs/doorman.md` §6).
public enum DoormanLimits {
    /// The largest CSR (DER) and POST body, in bytes; a larger body is answered 413 unread.
    public static let maximumRequestBytes = 16 * 1024
    /// Requests pending at once; one more is answered 503.
    public static let maximumPendingRequests = 1_000
    /// Request files read when listing or counting.
    public static let maximumStoredRequests = 100_000
    /// The largest request file read back, in bytes.
    public static let maximumRecordBytes = 64 * 1024
    /// The longest rejection reason, in UTF-8 bytes.
    public static let maximumReasonLength = 512
    /// The longest poll interval sent in `max-age` and honoured by the client, in seconds.
    public static let maximumPollInterval = 3_600
    /// The poll interval the client uses when the server sends no `max-age` (Corda's default), in seconds.
    public static let defaultPollInterval = 10
    /// The largest response body the client reads, in bytes.
    public static let maximumResponseBytes = 1 << 20
    /// The most certificates in a returned chain.
    public static let maximumChainLength = 8
}
