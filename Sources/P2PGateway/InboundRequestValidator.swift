public import NIOHTTP1

/// The checks a request head must pass before its body is read (`docs/gateway.md` §2.1), in order.
/// A pure function of the head: the 413 is decided from `Content-Length` alone, before any body byte
/// is read or any buffer allocated.
public enum InboundRequestValidator {
    /// How the body of an accepted head is delimited.
    public enum BodyLength: Hashable, Sendable {
        case contentLength(Int)
        case chunked
    }

    /// Methods HTTP/1.1 defines (RFC 9110 and PATCH): other than POST they get 405; anything else 501.
    static let definedMethods: [HTTPMethod] = [.GET, .HEAD, .PUT, .DELETE, .CONNECT, .OPTIONS, .TRACE, .PATCH]

    public static func validate(
        _ head: HTTPRequestHead, maximumRequestSize: Int
    ) -> Result<BodyLength, GatewayError> {
        guard head.version == .http1_1 else {
            return .failure(GatewayError(.versionNotSupported, "\(head.version)"))
        }
        guard head.method == .POST else {
            return .failure(
                GatewayError(definedMethods.contains(head.method) ? .methodNotAllowed : .methodNotImplemented))
        }
        guard path(of: head.uri) == GatewayHTTP.path else { return .failure(GatewayError(.notFound)) }

        let lengths = head.headers[canonicalForm: "content-length"]
        let chunked = head.headers[canonicalForm: "transfer-encoding"].contains { $0.lowercased() == "chunked" }
        let bodyLength: BodyLength
        if lengths.isEmpty {
            guard chunked else { return .failure(GatewayError(.lengthRequired)) }
            bodyLength = .chunked
        } else {
            // Digits only, at most 19 of them, so the conversion cannot overflow.
            guard lengths.count == 1, !chunked, let text = lengths.first, (1...19).contains(text.utf8.count),
                text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }), let length = Int(text)
            else { return .failure(GatewayError(.lengthRequired, "invalid Content-Length")) }
            bodyLength = .contentLength(length)
        }

        guard let type = head.headers.first(name: "content-type"),
            type.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first.map({
                $0.trimmingSpaces.lowercased() == GatewayHTTP.contentType
            }) == true
        else { return .failure(GatewayError(.unsupportedMediaType)) }

        if case .contentLength(let length) = bodyLength, length > maximumRequestSize {
            return .failure(GatewayError(.requestTooLarge, "\(length) bytes, maximum \(maximumRequestSize)"))
        }
        return .success(bodyLength)
    }

    /// The path of an origin-form target, or of an absolute-form one (`https://host:port/path`);
    /// a query is kept, so that it fails the comparison.
    static func path(of uri: String) -> Substring {
        guard !uri.hasPrefix("/"), let colon = uri.firstIndex(of: ":"), uri[colon...].hasPrefix("://") else {
            return Substring(uri)
        }
        let afterAuthority = uri[uri.index(colon, offsetBy: 3)...]
        guard let slash = afterAuthority.firstIndex(of: "/") else { return "" }
        return afterAuthority[slash...]
    }

    /// The HTTP status a rejection is answered with.
    public static func status(for code: GatewayError.Code) -> HTTPResponseStatus {
        switch code {
        case .methodNotAllowed: .methodNotAllowed
        case .methodNotImplemented: .notImplemented
        case .notFound: .notFound
        case .versionNotSupported: .httpVersionNotSupported
        case .lengthRequired: .lengthRequired
        case .unsupportedMediaType: .unsupportedMediaType
        case .requestTooLarge: .payloadTooLarge
        case .busUnavailable, .tooManyPipelinedRequests: .serviceUnavailable
        default: .badRequest
        }
    }
}

extension Substring {
    var trimmingSpaces: Substring {
        var result = self
        while result.first == " " || result.first == "\t" { result.removeFirst() }
        while result.last == " " || result.last == "\t" { result.removeLast() }
        return result
    }
}
