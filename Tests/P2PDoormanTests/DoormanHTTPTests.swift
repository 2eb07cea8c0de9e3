import Foundation
import P2PDoorman
import P2PTestSupport
import P2PX509
import Testing

@Suite struct DoormanHTTPTests {
    @Test func curlDrivesEveryStatusOfTheProtocol() async throws {
        let fixture = try DoormanFixture()
        defer { fixture.remove() }
        let work = fixture.directory.url
        let server = try await DoormanServer.start(doorman: try fixture.doorman(.manual, pollInterval: 3), port: 0)
        let base = server.url + "/certificate"
        do {
            // openssl makes the request; curl posts it.
            let made = try Tool.openssl([
                "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "a.key",
                "-subj", "/C=GB/L=London/O=Alice Corp", "-outform", "DER", "-out", "a.csr",
            ], in: work)
            #expect(made.status == 0)
            let posted = try await Curl.run(base, [
                "--data-binary", "@\(work.appending(path: "a.csr").path)", "-H", "Content-Type: application/octet-stream",
            ])
            #expect(posted.statusCode == 200)
            let id = try #require(RequestID(posted.body.trimmingCharacters(in: .whitespacesAndNewlines)))

            let pending = try await Curl.run("\(base)/\(id)")
            #expect(pending.statusCode == 204)
            #expect(pending.header("cache-control") == "max-age=3")

            try server.doorman.approve(id)
            let zip = work.appending(path: "certificates.zip")
            let approved = try await Curl.run("\(base)/\(id)", ["-o", zip.path])
            #expect(approved.statusCode == 200)
            #expect(approved.contentType == "application/zip")
            #expect(try Tool.run("/usr/bin/unzip", ["-t", zip.path]).status == 0)
            let python = try Tool.run("/usr/bin/python3", ["-m", "zipfile", "-t", zip.path])
            #expect(python.status == 0, "\(python.output)")
            let entries = try ZipArchive.entries(of: Array(try Data(contentsOf: zip)))
            #expect(entries.map(\.name) == ["cordaclientca.cer", "cordaintermediateca.cer", "cordarootca.cer"])
            let chain = try entries.map { try Certificate(derEncoded: $0.data) }
            #expect(chain[2] == server.doorman.authority.root)
            try writePEMChain(chain, in: work)
            #expect(try Tool.openssl(["verify", "-CAfile", "root.pem", "-untrusted", "doorman.pem", "leaf.pem"], in: work).status == 0)

            // Rejected: 401 with the reason.
            let other = try TestRequest("O=Bob Corp, L=London, C=GB")
            try Data(other.der).write(to: work.appending(path: "b.csr"))
            let second = try await Curl.run(base, ["--data-binary", "@\(work.appending(path: "b.csr").path)"])
            let secondID = try #require(RequestID(second.body.trimmingCharacters(in: .whitespacesAndNewlines)))
            try server.doorman.reject(secondID, reason: "Bob is not a member")
            let rejected = try await Curl.run("\(base)/\(secondID)")
            #expect(rejected.statusCode == 401)
            #expect(rejected.body == "Bob is not a member\n")

            // Unknown and malformed ids, wrong methods, unknown paths.
            #expect(try await Curl.run("\(base)/\(RequestID.random())").statusCode == 404)
            #expect(try await Curl.run("\(base)/..%2F..%2Fetc").statusCode == 404)
            #expect(try await Curl.run(base).statusCode == 405)
            #expect(try await Curl.run(server.url + "/network-map").statusCode == 404)

            // Malformed and badly signed requests: 400 with the reason.
            let garbage = try await Curl.run(base, ["--data-binary", "not a CSR"])
            #expect(garbage.statusCode == 400 && garbage.body.contains("not a DER PKCS#10 request"))
            var tampered = other.der
            tampered[tampered.count - 1] ^= 0x01
            try Data(tampered).write(to: work.appending(path: "bad.csr"))
            let badSignature = try await Curl.run(base, ["--data-binary", "@\(work.appending(path: "bad.csr").path)"])
            #expect(badSignature.statusCode == 400 && badSignature.body.contains("signature"))

            // Too large: 413 from Content-Length, before the body is read.
            try Data(count: DoormanLimits.maximumRequestBytes + 1).write(to: work.appending(path: "big.bin"))
            let big = try await Curl.run(base, ["--data-binary", "@\(work.appending(path: "big.bin").path)"])
            #expect(big.statusCode == 413)

            // A record the store cannot read: 503.
            let broken = RequestID.random()
            try FileManager.default.createDirectory(at: fixture.home.requestFile(broken), withIntermediateDirectories: true)
            #expect(try await Curl.run("\(base)/\(broken)").statusCode == 503)
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    @Test func theNodeSideRegistersWithAutoApproval() async throws {
        let fixture = try DoormanFixture()
        defer { fixture.remove() }
        let server = try await DoormanServer.start(doorman: try fixture.doorman(.auto, pollInterval: 1), port: 0)
        do {
            let registration = try NodeRegistration(
                NodeRegistration.Configuration(
                    doormanURL: server.url, legalName: try .init("O=Alice Corp, L=London, C=GB", validation: .full),
                    role: .tls, dnsNames: ["alice.example"], home: fixture.directory.path("node"),
                    root: server.doorman.authority.root, timeoutSeconds: 20))
            let chain = try await registration.run()
            #expect(chain[0].cordaRole == .tls && chain[0].dnsNames == ["alice.example"])
            #expect(try registration.storedRequestID() == nil)
            let pem = try String(contentsOf: registration.chainFile, encoding: .utf8)
            #expect(try Certificate.chain(pemEncoded: pem) == chain)
            let key = try FileManager.default.attributesOfItem(atPath: registration.keyFile.path)
            #expect((key[.posixPermissions] as? Int) == 0o600)
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    @Test func pollerHonoursCacheControlWithinTheDeadline() {
        let poller = RegistrationPoller(startedAt: 100, timeoutSeconds: 30)
        #expect(poller.decide(status: 204, cacheControl: "max-age=5", body: [], now: 100) == .wait(seconds: 5))
        #expect(poller.decide(status: 204, cacheControl: "no-cache, max-age=7", body: [], now: 100) == .wait(seconds: 7))
        #expect(poller.decide(status: 204, cacheControl: nil, body: [], now: 100) == .wait(seconds: DoormanLimits.defaultPollInterval))
        #expect(poller.decide(status: 204, cacheControl: "max-age=999999", body: [], now: 100)
            == .failed(DoormanError(.timedOut)))
        #expect(poller.decide(status: 204, cacheControl: "max-age=5", body: [], now: 126) == .failed(DoormanError(.timedOut)))
        #expect(poller.decide(status: 503, cacheControl: nil, body: [], now: 100) == .wait(seconds: DoormanLimits.defaultPollInterval))
        #expect(poller.decide(status: 401, cacheControl: nil, body: Array("no thanks\n".utf8), now: 100) == .rejected(reason: "no thanks"))
        #expect(poller.decide(status: 200, cacheControl: nil, body: [1, 2], now: 100) == .finished(archive: [1, 2]))
        #expect(poller.decide(status: 404, cacheControl: nil, body: [], now: 100) == .failed(DoormanError(.unexpectedResponse)))
        #expect(RegistrationPoller.maxAge("max-age=0") == 1)
        #expect(RegistrationPoller.maxAge("max-age=abc") == nil)
    }
}
