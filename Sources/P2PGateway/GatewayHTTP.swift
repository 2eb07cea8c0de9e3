/// Constants of the gateway's HTTP protocol (`docs/gateway.md` §1–2).
public enum GatewayHTTP {
    /// The only path a gateway serves.
    public static let path = "/gateway/send"
    /// The media type of a request body (a frame batch).
    public static let contentType = "application/x-p2p-batch"
    /// The media type of every response body (a status body).
    public static let statusContentType = "application/x-p2p-status"
}
