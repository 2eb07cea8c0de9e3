public import Foundation

/// The files under a doorman's home directory (`docs/doorman.md` §3).
public struct DoormanHome: Sendable {
    public let url: URL

    public init(_ url: URL) { self.url = url }

    /// The network's root certificate: the trust anchor nodes are given.
    public var rootCertificateFile: URL { url.appending(path: "root-certificate.pem") }
    /// The root's key, present only when `init` created the root.
    public var rootKeyFile: URL { url.appending(path: "root/private-key.pem") }
    public var doormanCertificateFile: URL { url.appending(path: "doorman-ca/certificate.pem") }
    public var doormanKeyFile: URL { url.appending(path: "doorman-ca/private-key.pem") }
    public var requestsDirectory: URL { url.appending(path: "requests") }
    public var namesDirectory: URL { url.appending(path: "names") }
    public var lockFile: URL { url.appending(path: "lock") }

    public func requestFile(_ id: RequestID) -> URL { requestsDirectory.appending(path: "\(id).json") }
}
