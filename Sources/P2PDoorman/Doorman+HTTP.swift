public import Foundation
import P2PX509

/// One HTTP answer of the doorman, independent of the server carrying it.
public struct DoormanHTTPResponse: Hashable, Sendable {
    public var status: Int
    /// Header names in lower case.
    public var headers: [String: String]
    public var body: [UInt8]

    public init(status: Int, headers: [String: String] = [:], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    static func text(_ status: Int, _ text: String) -> DoormanHTTPResponse {
        DoormanHTTPResponse(
            status: status, headers: ["content-type": "text/plain; charset=utf-8"], body: Array((text + "\n").utf8))
    }
}

extension Doorman {
    /// The path requests are posted to; polls append `/{id}`.
    public static let certificatePath = "/certificate"

    /// Answers one HTTP request (`docs/doorman.md` §1). The body must already be bounded by
    /// ``DoormanLimits/maximumRequestBytes``; a server answers 413 before reading a larger one.
    public func respond(method: String, path: String, body: [UInt8], now: Date = Date()) -> DoormanHTTPResponse {
        let path = path.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        if path == Self.certificatePath {
            guard method == "POST" else { return DoormanHTTPResponse(status: 405, headers: ["allow": "POST"]) }
            do {
                let id = try submit(der: body, now: now)
                return .text(200, id.description)
            } catch { return Self.response(for: error) }
        }
        guard path.hasPrefix(Self.certificatePath + "/") else { return DoormanHTTPResponse(status: 404) }
        guard method == "GET" || method == "HEAD" else { return DoormanHTTPResponse(status: 405, headers: ["allow": "GET"]) }
        guard let id = RequestID(path.dropFirst(Self.certificatePath.count + 1)) else { return DoormanHTTPResponse(status: 404) }
        do {
            switch try poll(id) {
            case .pending(let seconds):
                return DoormanHTTPResponse(status: 204, headers: ["cache-control": "max-age=\(seconds)"])
            case .approved(let chain):
                let archive = try ZipArchive.stored(Self.entryNames(chain).map { ($0.name, $0.der) })
                return DoormanHTTPResponse(
                    status: 200,
                    headers: [
                        "content-type": "application/zip",
                        "content-disposition": "attachment; filename=\"certificates.zip\"",
                    ],
                    body: archive)
            case .rejected(let reason):
                return .text(401, reason)
            }
        } catch { return Self.response(for: error) }
    }

    /// The status and one-line reason for a failure.
    static func response(for error: DoormanError) -> DoormanHTTPResponse {
        let status =
            switch error.code {
            case .malformedRequest, .invalidRequestSignature, .invalidLegalName, .unsupportedRole, .unsupportedKey: 400
            case .requestTooLarge: 413
            case .unknownRequest: 404
            case .tooManyPendingRequests, .storageFailed: 503
            default: 500
            }
        let detail = error.detail.isEmpty ? error.code.name : error.detail
        return .text(status, "\(detail) (\(error.code.rawValue))")
    }

    /// Zip entry names in the R3 test doorman's style: the leaf by its role, then the doorman CA and root.
    static func entryNames(_ chain: [[UInt8]]) -> [(name: String, der: [UInt8])] {
        chain.enumerated().map { index, der in
            if index == chain.count - 1 { return ("cordarootca.cer", der) }
            if index == chain.count - 2 { return ("cordaintermediateca.cer", der) }
            let role = (try? Certificate(derEncoded: der))?.cordaRole
            return switch role {
            case .tls?: ("cordaclienttls.cer", der)
            case .serviceIdentity?: ("cordaserviceidentity.cer", der)
            default: ("cordaclientca.cer", der)
            }
        }
    }
}
