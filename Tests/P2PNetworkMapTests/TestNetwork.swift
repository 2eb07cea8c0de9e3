import Foundation
import P2PBus
import P2PCrypto
import P2PIdentity
import P2PMembership
import P2PNetworkMap
import P2PX509

/// A throw-away network PKI made with the real `openssl` command: a root, a doorman CA (role 1), the
/// network-map certificate (role 2), members' certificates (subject = their X.500 name), and a second,
/// unrelated root with its own member and map certificates.
final class TestNetwork: Sendable {
    static let groupId = "test-network"
    static let alice = "O=Alice Corp, L=London, C=GB"
    static let bob = "O=Bob Ltd, L=New York, C=US"
    static let carol = "O=Carol Plc, L=Paris, C=FR"

    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("nm-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try makeRoot("root", subject: "/CN=Test Root/O=Test Network/L=London/C=GB")
        try issue("doorman", subject: "/CN=Doorman/O=Test Network/L=London/C=GB", by: "root", extensions: Self.caExtensions(role: 1), algorithm: "EC")
        try issue("map", subject: "/CN=Network Map/O=Test Network/L=London/C=GB", by: "root", extensions: Self.leafExtensions(role: 2), algorithm: "EC")
        try issue("params", subject: "/CN=Network Parameters/O=Test Network/L=London/C=GB", by: "root", extensions: Self.leafExtensions(role: 8), algorithm: "EC")
        try issue("alice", subject: "/O=Alice Corp/L=London/C=GB", by: "doorman", extensions: Self.leafExtensions(role: 6), algorithm: "ED25519")
        try issue("bob", subject: "/O=Bob Ltd/L=New York/C=US", by: "root", extensions: Self.leafExtensions(role: nil), algorithm: "EC")
        try issue("carol", subject: "/O=Carol Plc/L=Paris/C=FR", by: "root", extensions: Self.leafExtensions(role: nil), algorithm: "EC")
        try makeRoot("other-root", subject: "/CN=Other Root/O=Other Network/L=London/C=GB")
        try issue("other-alice", subject: "/O=Alice Corp/L=London/C=GB", by: "other-root", extensions: Self.leafExtensions(role: nil), algorithm: "EC")
        try issue("other-map", subject: "/CN=Network Map/O=Other Network/L=London/C=GB", by: "other-root", extensions: Self.leafExtensions(role: 2), algorithm: "EC")
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    // MARK: Material

    func certificate(_ name: String) throws -> Certificate { try Certificate(pemEncoded: String(contentsOfFile: path("\(name).pem"), encoding: .utf8)) }
    func key(_ name: String) throws -> PrivateKey { try PrivateKey(pemEncoded: String(contentsOfFile: path("\(name).key"), encoding: .utf8)) }
    var trust: NetworkTrust { get throws { try NetworkTrust(root: try certificate("root")) } }

    /// The signer's certificate, then the doorman's when the doorman issued it.
    func chain(_ name: String) throws -> [Certificate] {
        name == "alice" ? [try certificate("alice"), try certificate("doorman")] : [try certificate(name)]
    }

    /// `chain(name)` as one PEM file.
    func chainFile(_ name: String) throws -> String {
        let file = path("\(name)-chain.pem")
        try chain(name).map { try $0.pemRepresentation }.joined().write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }

    /// A member record for `x500Name` with a fresh session key.
    static func member(_ x500Name: String, serial: UInt64, endpoint: String = "https://127.0.0.1:8443", group: String = groupId) throws -> MemberInfo {
        MemberInfo(
            holdingIdentity: HoldingIdentity(name: try X500Name(x500Name), groupID: try GroupID(group)),
            endpoints: [endpoint], sessionPublicKeys: [SessionKeyPEM.pem(for: Ed25519.SigningKey().verifyingKey)], status: .active,
            serial: serial)
    }

    func signed(_ member: MemberInfo, by signer: String) throws -> SignedEnvelope {
        try SignedEnvelope.sign(payload: MemberRecord(member: member).encoded(), key: try key(signer), chain: try chain(signer))
    }

    static func parameters(eventHorizonSeconds: Int64 = 3600, epoch: Int64 = 1) throws -> NetworkParameters {
        NetworkParameters(
            groupId: try GroupID(groupId), epoch: epoch, modifiedTimeMillis: 1_795_363_200_000, protocolModes: [.authenticatedEncryption],
            maxMessageSize: 500_000, minimumPlatformVersion: 1, eventHorizonSeconds: eventHorizonSeconds)
    }

    /// A server home: root, map key (0600) and certificate, parameters.
    func serverHome(eventHorizonSeconds: Int64 = 3600, mapSigner: String = "map") throws -> URL {
        let home = directory.appendingPathComponent("home-\(UUID().uuidString.prefix(6))")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: path("root.pem"), toPath: home.appendingPathComponent(NetworkMapService.rootFile).path)
        let keyFile = home.appendingPathComponent(NetworkMapService.keyFile).path
        try FileManager.default.copyItem(atPath: path("\(mapSigner).key"), toPath: keyFile)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: keyFile)
        try FileManager.default.copyItem(atPath: path("\(mapSigner).pem"), toPath: home.appendingPathComponent(NetworkMapService.certificateFile).path)
        let input = """
            {"groupId": "\(Self.groupId)", "epoch": 1, "modifiedTimeMillis": 1795363200000, "protocolModes": ["AUTHENTICATED_ENCRYPTION"],
             "maxMessageSize": 500000, "minimumPlatformVersion": 1, "eventHorizonSeconds": \(eventHorizonSeconds)}
            """
        try input.write(to: home.appendingPathComponent(NetworkMapService.parametersFile), atomically: true, encoding: .utf8)
        return home
    }

    /// An in-process bus with the standard layout's tables.
    static func bus() async throws -> InProcessBus {
        let bus = InProcessBus()
        for table in BusLayout.standard.tables { try await bus.createTable(table) }
        return bus
    }

    // MARK: openssl

    static func caExtensions(role: Int) -> String {
        "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign,digitalSignature\n1.3.6.1.4.1.50530.1.1=ASN1:INTEGER:\(role)\n"
    }

    static func leafExtensions(role: Int?) -> String {
        "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n" + (role.map { "1.3.6.1.4.1.50530.1.1=ASN1:INTEGER:\($0)\n" } ?? "")
    }

    func makeRoot(_ name: String, subject: String) throws {
        try openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", path("\(name).key")])
        try openssl([
            "req", "-x509", "-new", "-key", path("\(name).key"), "-sha256", "-days", "3650", "-subj", subject,
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign,digitalSignature",
            "-out", path("\(name).pem"),
        ])
    }

    func issue(_ name: String, subject: String, by issuer: String, extensions: String, algorithm: String) throws {
        var generate = ["genpkey", "-algorithm", algorithm]
        if algorithm == "EC" { generate += ["-pkeyopt", "ec_paramgen_curve:P-256"] }
        try openssl(generate + ["-out", path("\(name).key")])
        try openssl(["req", "-new", "-key", path("\(name).key"), "-subj", subject, "-out", path("\(name).csr")])
        try extensions.write(toFile: path("\(name).ext"), atomically: true, encoding: .utf8)
        try openssl([
            "x509", "-req", "-in", path("\(name).csr"), "-CA", path("\(issuer).pem"), "-CAkey", path("\(issuer).key"),
            "-set_serial", "\(UInt32.random(in: 1...UInt32.max))", "-days", "3650", "-sha256", "-extfile", path("\(name).ext"),
            "-out", path("\(name).pem"),
        ])
    }

    func openssl(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        guard process.terminationStatus == 0 else { throw TestFailure("openssl \(arguments.first ?? ""): \(message)") }
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
