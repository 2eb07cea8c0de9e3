/// One HTTP endpoint of a peer gateway. Only the scheme, host and port of the member's address are
/// used; requests always go to `GatewayHTTP.path` (as Corda does since CORE-6083).
public struct GatewayEndpoint: Hashable, Sendable, CustomStringConvertible {
    public static let maximumHostLength = 255

    public let host: String
    public let port: Int
    /// `https`: the connection needs the TLS handler in front of the HTTP codec.
    public let usesTLS: Bool

    public init(host: String, port: Int, usesTLS: Bool) throws(GatewayError) {
        guard !host.isEmpty, host.utf8.count <= Self.maximumHostLength,
            host.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "/") && $0 != UInt8(ascii: "@") })
        else { throw GatewayError(.invalidEndpoint, "bad host") }
        guard (1...65_535).contains(port) else { throw GatewayError(.invalidEndpoint, "port \(port)") }
        self.host = host
        self.port = port
        self.usesTLS = usesTLS
    }

    /// Parses `http://host:port[/path]` or `https://…`; an IPv6 host is written in brackets.
    public init(url: String) throws(GatewayError) {
        let usesTLS: Bool
        let rest: Substring
        if url.lowercased().hasPrefix("https://") {
            usesTLS = true
            rest = url.dropFirst(8)
        } else if url.lowercased().hasPrefix("http://") {
            usesTLS = false
            rest = url.dropFirst(7)
        } else {
            throw GatewayError(.invalidEndpoint, "scheme must be http or https")
        }
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        var host = authority
        var port = usesTLS ? 443 : 80
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw GatewayError(.invalidEndpoint, "unclosed [") }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":"), let value = Int(after.dropFirst()) else {
                    throw GatewayError(.invalidEndpoint, "bad port")
                }
                port = value
            }
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            guard let value = Int(authority[authority.index(after: colon)...]) else {
                throw GatewayError(.invalidEndpoint, "bad port")
            }
            port = value
        }
        try self.init(host: String(host), port: port, usesTLS: usesTLS)
    }

    /// The `Host` header value.
    public var hostHeader: String {
        let name = host.contains(":") ? "[\(host)]" : host
        return "\(name):\(port)"
    }

    public var description: String { "\(usesTLS ? "https" : "http")://\(hostHeader)" }
}
