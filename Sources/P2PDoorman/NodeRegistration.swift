public import Foundation
public import P2PIdentity
public import P2PX509

/// The node side of onboarding (`docs/doorman.md` §7): makes a key and a CSR, submits it, polls until
/// the doorman decides, checks the returned chain as a Corda node does, and writes it as PEM. The
/// request id is kept on disk, so running again after an interruption resumes the same request.
public struct NodeRegistration: Sendable {
    public struct Configuration: Sendable {
        public var doormanURL: String
        public var legalName: X500Name
        /// `.nodeCA` or `.tls` (or `.serviceIdentity`).
        public var role: CordaCertificateRole
        /// DNS names for the subject alternative name (TLS).
        public var dnsNames: [String]
        /// The node's directory; files go to `certificates/` under it.
        public var home: URL
        /// The network's root: the chain must verify up to it.
        public var root: Certificate
        /// How long to wait in total for a decision, in seconds.
        public var timeoutSeconds: Double

        public init(
            doormanURL: String, legalName: X500Name, role: CordaCertificateRole = .nodeCA, dnsNames: [String] = [],
            home: URL, root: Certificate, timeoutSeconds: Double = 300
        ) {
            self.doormanURL = doormanURL
            self.legalName = legalName
            self.role = role
            self.dnsNames = dnsNames
            self.home = home
            self.root = root
            self.timeoutSeconds = timeoutSeconds
        }
    }

    public let configuration: Configuration
    private let client: DoormanClient

    public init(_ configuration: Configuration) throws(DoormanError) {
        guard configuration.timeoutSeconds > 0, configuration.timeoutSeconds <= 86_400 else {
            throw DoormanError(.invalidConfiguration, "the timeout must be 1 s…1 day")
        }
        self.configuration = configuration
        client = try DoormanClient(url: configuration.doormanURL)
    }

    public var certificatesDirectory: URL { configuration.home.appending(path: "certificates") }
    public var keyFile: URL { certificatesDirectory.appending(path: "private-key.pem") }
    public var requestFile: URL { certificatesDirectory.appending(path: "certificate-request.pem") }
    public var requestIDFile: URL { certificatesDirectory.appending(path: "certificate-request-id.txt") }
    public var chainFile: URL { certificatesDirectory.appending(path: "chain.pem") }

    /// The stored request id, if a request is under way.
    public func storedRequestID() throws(DoormanError) -> RequestID? {
        guard let bytes = try DurableFile.read(requestIDFile, maximumBytes: 256) else { return nil }
        guard let id = RequestID(String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
        else { throw DoormanError(.corruptRecord, "\(requestIDFile.lastPathComponent) does not hold a request id") }
        return id
    }

    /// Submits (or resumes) the request and waits for the chain; returns it leaf first once written to
    /// ``chainFile``. `sleep` waits the given seconds; `now` reads a clock in seconds.
    public func run(
        now: @Sendable () -> Double = { Date().timeIntervalSince1970 },
        sleep: @Sendable (Int) async throws -> Void = { try await Task.sleep(for: .seconds($0)) }
    ) async throws(DoormanError) -> [Certificate] {
        try DurableFile.makeDirectory(certificatesDirectory)
        let key = try loadOrCreateKey()
        let id: RequestID
        if let stored = try storedRequestID() {
            id = stored
        } else {
            id = try await submit(key: key)
        }
        let poller = RegistrationPoller(startedAt: now(), timeoutSeconds: configuration.timeoutSeconds)
        while true {
            let response: DoormanClient.Response
            do {
                response = try await client.send(method: "GET", path: Doorman.certificatePath + "/\(id)")
            } catch where error.code == .connectionFailed {
                // The doorman may be restarting: retry within the deadline.
                response = DoormanClient.Response(status: 503, headers: [], body: [])
            }
            switch poller.decide(
                status: response.status, cacheControl: response.header("cache-control"), body: response.body, now: now())
            {
            case .wait(let seconds):
                do { try await sleep(seconds) } catch { throw DoormanError(.timedOut, "cancelled") }
            case .finished(let archive):
                let chain = try check(archive: archive, key: key)
                var pem = ""
                for certificate in chain {
                    do { pem += try certificate.pemRepresentation } catch { throw DoormanError(.chainRejected, "\(error)") }
                }
                try DurableFile.write(Array(pem.utf8), to: chainFile, mode: 0o644)
                try removeRequestID()
                return chain
            case .rejected(let reason):
                try removeRequestID()
                throw DoormanError(.requestRejected, reason)
            case .failed(let error):
                throw error
            }
        }
    }

    private func submit(key: PrivateKey) async throws(DoormanError) -> RequestID {
        let request: CertificateSigningRequest
        do {
            request = try CertificateSigningRequest(
                subject: try Self.distinguishedName(configuration.legalName),
                alternativeNames: configuration.dnsNames.map { .dns($0) }, key: key, role: configuration.role)
            try DurableFile.write(Array(try request.pemRepresentation.utf8), to: requestFile, mode: 0o644)
        } catch let error as DoormanError {
            throw error
        } catch { throw DoormanError(.invalidConfiguration, "\(error)") }
        let response = try await client.send(method: "POST", path: Doorman.certificatePath, body: request.derRepresentation)
        let text = String(decoding: response.body.prefix(1024), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard response.status == 200 else {
            throw DoormanError(.unexpectedResponse, "submission answered HTTP \(response.status): \(text)")
        }
        guard let id = RequestID(text) else { throw DoormanError(.unexpectedResponse, "the submission answer is not a request id") }
        try DurableFile.write(Array("\(id)\n".utf8), to: requestIDFile, mode: 0o600)
        return id
    }

    private func loadOrCreateKey() throws(DoormanError) -> PrivateKey {
        do {
            if let bytes = try DurableFile.read(keyFile, maximumBytes: X509Limits.maximumEncodedSize) {
                return try PrivateKey(pemEncoded: String(decoding: bytes, as: UTF8.self))
            }
            let key = try PrivateKey(generating: configuration.role == .serviceIdentity ? .ed25519 : .ecP256)
            try DurableFile.write(Array(try key.pemRepresentation.utf8), to: keyFile, mode: 0o600)
            return key
        } catch let error as DoormanError {
            throw error
        } catch { throw DoormanError(.invalidConfiguration, "key: \(error)") }
    }

    private func removeRequestID() throws(DoormanError) {
        guard unlink(requestIDFile.path) == 0 || errno == ENOENT else { throw DurableFile.failure("remove", requestIDFile) }
        try DurableFile.syncDirectory(certificatesDirectory)
    }

    /// The chain in `archive`, checked as `NetworkRegistrationHelper.validateCertificates` does.
    func check(archive: [UInt8], key: PrivateKey, now: Date = Date()) throws(DoormanError) -> [Certificate] {
        let entries = try ZipArchive.entries(of: archive)
        guard entries.count >= 2, entries.count <= DoormanLimits.maximumChainLength else {
            throw DoormanError(.chainRejected, "\(entries.count) certificates")
        }
        var chain: [Certificate] = []
        for entry in entries {
            do { chain.append(try Certificate(derEncoded: entry.data)) } catch {
                throw DoormanError(.chainRejected, "\(entry.name) is not a DER certificate")
            }
        }
        try Self.verify(
            chain: chain, legalName: configuration.legalName, publicKey: key.publicKey, role: configuration.role,
            root: configuration.root, now: now)
        return chain
    }

    /// The node's checks on a returned chain (reference §2.3): the leaf's subject is the legal name,
    /// its key is the request's, its role is the one asked for, every role follows Corda's parent
    /// rule, and the chain verifies up to `root`.
    public static func verify(
        chain: [Certificate], legalName: X500Name, publicKey: PublicKey, role: CordaCertificateRole, root: Certificate,
        now: Date = Date()
    ) throws(DoormanError) {
        guard let leaf = chain.first else { throw DoormanError(.chainRejected, "empty chain") }
        guard (try? ValidatedRequest.legalName(of: leaf.subject)) == legalName, leaf.subject == (try? distinguishedName(legalName))
        else { throw DoormanError(.chainRejected, "the certificate's subject is not the requested legal name") }
        guard leaf.publicKey == publicKey else { throw DoormanError(.chainRejected, "the certificate is not for our key") }
        guard leaf.cordaRole == role else { throw DoormanError(.chainRejected, "the certificate's role is not \(role)") }
        if role == .nodeCA, !leaf.isCertificateAuthority {
            throw DoormanError(.chainRejected, "a node CA certificate must be a CA")
        }
        for (child, parent) in zip(chain, chain.dropFirst()) {
            guard let parentRole = parent.cordaRole else { continue }
            guard let childRole = child.cordaRole, childRole.validParents.contains(parentRole) else {
                throw DoormanError(.chainRejected, "a \(parentRole) may not issue \(child.cordaRole.map { "\($0)" } ?? "a certificate without role")")
            }
        }
        do {
            let store = try TrustStore(roots: [root])
            try store.verify(leaf, intermediates: Array(chain.dropFirst().filter { $0 != root }), at: now)
        } catch { throw DoormanError(.chainRejected, "\(error)") }
    }

    /// A legal name as a certificate subject, in Corda's attribute order: C, ST, L, O, OU, CN.
    public static func distinguishedName(_ name: X500Name) throws(DoormanError) -> DistinguishedName {
        let order: [X500Name.Attribute] = [.country, .state, .locality, .organisation, .organisationalUnit, .commonName]
        do {
            return try DistinguishedName(order.compactMap { attribute in name[attribute].map { (attribute.rawValue, $0) } })
        } catch { throw DoormanError(.invalidLegalName, "\(error)") }
    }
}
