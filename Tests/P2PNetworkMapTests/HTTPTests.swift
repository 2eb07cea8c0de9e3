import Foundation
import P2PNetworkMap
import P2PTestSupport
import Testing

@Suite("The network map over HTTP, with real curl as the client", .serialized)
struct NetworkMapHTTPTests {
    @Test("every status code, Cache-Control on the map and on hashed objects, one-line reasons")
    func statusCodes() async throws {
        let network = try TestNetwork()
        defer { network.remove() }
        let service = try NetworkMapService(home: try network.serverHome(), maxAgeSeconds: 5)
        let server = try await NetworkMapServer.start(service: service, port: 0)
        defer { Task { await server.stop() } }
        let base = server.url

        func post(_ path: String, _ bytes: [UInt8]) async throws -> CurlResult {
            let file = network.directory.appendingPathComponent("body-\(UUID().uuidString.prefix(6))")
            try Data(bytes).write(to: file)
            return try await Curl.run(base + path, ["-X", "POST", "-H", "Content-Type: application/octet-stream", "--data-binary", "@\(file.path)"])
        }

        let bob = try network.signed(try TestNetwork.member(TestNetwork.bob, serial: 2), by: "bob")
        let published = try await post("/network-map/publish", bob.encoded())
        #expect(published.statusCode == 200, "\(published.body)")
        #expect(published.body == "\(bob.hash)\n")

        let map = try await Curl.run(base + "/network-map")
        #expect(map.statusCode == 200)
        #expect(map.header("Cache-Control") == "max-age=5")
        #expect(map.contentType == "application/octet-stream")
        let verified = try network.trust.verifiedMap(try SignedEnvelope.decode(Array(map.body.utf8), maximumBytes: 1 << 20), at: Date())
        #expect(verified.nodeInfoHashes == [bob.hash])

        let node = try await Curl.run(base + "/network-map/node-info/\(bob.hash)")
        #expect(node.statusCode == 200 && Array(node.body.utf8) == bob.encoded())
        #expect(node.header("Cache-Control") == "max-age=31536000, immutable")
        let parameters = try await Curl.run(base + "/network-parameters/\(verified.networkParametersHash)")
        #expect(parameters.statusCode == 200)

        let unknown = try await Curl.run(base + "/network-map/node-info/\(SecureHash(of: [0]))")
        #expect(unknown.statusCode == 404 && unknown.body.hasPrefix("1114 unknown hash"))
        let badHash = try await Curl.run(base + "/network-map/node-info/\(bob.hash.hex.lowercased())")
        #expect(badHash.statusCode == 400 && badHash.body.hasPrefix("1109 invalid hash"))
        #expect(try await Curl.run(base + "/network-map/publish").statusCode == 405)
        #expect(try await Curl.run(base + "/nothing-here").statusCode == 404)

        let malformed = try await post("/network-map/publish", Array("not json".utf8))
        #expect(malformed.statusCode == 400 && malformed.body.hasPrefix("1100 malformed envelope"))
        let oversized = try await post("/network-map/publish", [UInt8](repeating: 0x41, count: NetworkMapLimits.maximumRequestBytes + 1))
        #expect(oversized.statusCode == 413)
        let stale = try network.signed(try TestNetwork.member(TestNetwork.bob, serial: 1), by: "bob")
        let conflict = try await post("/network-map/publish", stale.encoded())
        #expect(conflict.statusCode == 409 && conflict.body.hasPrefix("1110 stale serial"))
        var signature = bob.signature
        signature[0] ^= 0xFF
        let forged = SignedEnvelope(payload: bob.payload, signature: signature, certificates: bob.certificates)
        let refused = try await post("/network-map/publish", forged.encoded())
        #expect(refused.statusCode == 400 && refused.body.hasPrefix("1105 invalid signature"))
        // The refusals changed nothing.
        #expect(try await service.entries().map(\.hash) == [bob.hash])
    }

    @Test("503 when the map is full, 500 when the record cannot be stored (and nothing is acknowledged)")
    func serverSide() async throws {
        let network = try TestNetwork()
        defer { network.remove() }
        let home = try network.serverHome()
        let service = try NetworkMapService(home: home, maximumEntries: 1)
        let server = try await NetworkMapServer.start(service: service, port: 0)
        defer { Task { await server.stop() } }
        func publish(_ envelope: SignedEnvelope) async throws -> CurlResult {
            let file = network.directory.appendingPathComponent("body-\(UUID().uuidString.prefix(6))")
            try Data(envelope.encoded()).write(to: file)
            return try await Curl.run(server.url + "/network-map/publish", ["--data-binary", "@\(file.path)"])
        }
        #expect(try await publish(try network.signed(try TestNetwork.member(TestNetwork.bob, serial: 1), by: "bob")).statusCode == 200)
        let full = try await publish(try network.signed(try TestNetwork.member(TestNetwork.carol, serial: 1), by: "carol"))
        #expect(full.statusCode == 503 && full.body.hasPrefix("1117 map full"))
        // The records directory vanishes: the write fails, the answer is 500 and the state is unchanged.
        try FileManager.default.removeItem(at: home.appendingPathComponent("entries"))
        let failed = try await publish(try network.signed(try TestNetwork.member(TestNetwork.bob, serial: 2), by: "bob"))
        #expect(failed.statusCode == 500 && failed.body.hasPrefix("1115 storage failed"))
        #expect(try await service.entries().map(\.serial) == [1])
    }
}
