import Foundation
import P2PNetworkMap
import Synchronization
import Testing

/// A clock tests move by hand.
final class TestClock: Sendable {
    private let time: Mutex<Date>
    init(_ start: Date = Date()) { time = Mutex(start) }
    var now: Date { time.withLock { $0 } }
    func advance(seconds: TimeInterval) { time.withLock { $0 = $0.addingTimeInterval(seconds) } }
    var function: @Sendable () -> Date { { self.now } }
}

@Suite("Network map state as values")
struct NetworkMapStateTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)
    let a = SecureHash(of: [1])
    let b = SecureHash(of: [2])

    @Test("new entry, heartbeat, newer serial replaces, older or equal serial with other content refused, expiry after the horizon")
    func lifecycle() throws {
        var state = NetworkMapState()
        #expect(try state.publish(identity: "alice", hash: a, serial: 1, now: t0) == .stored(replaced: nil))
        #expect(try state.publish(identity: "alice", hash: a, serial: 1, now: t0.addingTimeInterval(50)) == .heartbeat)
        #expect(state.entries["alice"]?.lastSeenMillis == 1_800_000_050_000)
        #expect(throws: NetworkMapError(.staleSerial)) { try state.publish(identity: "alice", hash: b, serial: 1, now: t0) }
        #expect(try state.publish(identity: "alice", hash: b, serial: 2, now: t0.addingTimeInterval(60)) == .stored(replaced: a))
        #expect(throws: NetworkMapError(.staleSerial)) { try state.publish(identity: "alice", hash: a, serial: 1, now: t0) }
        #expect(state.hashes == [b])
        // Seen at t0+60; horizon 100 s: still there at t0+160, gone just after.
        #expect(state.expire(eventHorizonSeconds: 100, now: t0.addingTimeInterval(160)).isEmpty)
        #expect(state.expire(eventHorizonSeconds: 100, now: t0.addingTimeInterval(160.001)).map(\.hash) == [b])
        #expect(state.entries.isEmpty)
    }

    @Test("a full map refuses new names but still takes heartbeats and replacements")
    func full() throws {
        var state = NetworkMapState(maximumEntries: 1)
        _ = try state.publish(identity: "alice", hash: a, serial: 1, now: t0)
        #expect(throws: NetworkMapError(.mapFull)) { try state.publish(identity: "bob", hash: b, serial: 1, now: t0) }
        #expect(try state.publish(identity: "alice", hash: b, serial: 2, now: t0) == .stored(replaced: a))
    }
}

@Suite("Network map service: routes, storage and expiry, without a socket")
struct NetworkMapServiceTests {
    @Test("publish, map, node-info, parameters; republish replaces; restart keeps the state; expiry drops the entry")
    func publishAndServe() async throws {
        let network = try TestNetwork()
        defer { network.remove() }
        let home = try network.serverHome(eventHorizonSeconds: 600)
        let clock = TestClock()
        let service = try NetworkMapService(home: home, maxAgeSeconds: 7, now: clock.function)
        let trust = try network.trust

        let first = try network.signed(try TestNetwork.member(TestNetwork.bob, serial: 1), by: "bob")
        let published = await service.handle(method: "POST", path: "/network-map/publish", body: first.encoded())
        #expect(published.status == 200)
        #expect(String(decoding: published.body, as: UTF8.self) == "\(first.hash)\n")

        let mapResponse = await service.handle(method: "GET", path: "/network-map", body: [])
        #expect(mapResponse.status == 200)
        #expect(mapResponse.header("Cache-Control") == "max-age=7")
        let map = try trust.verifiedMap(try SignedEnvelope.decode(mapResponse.body, maximumBytes: 1 << 20), at: Date())
        #expect(map.nodeInfoHashes == [first.hash])
        let node = await service.handle(method: "GET", path: "/network-map/node-info/\(first.hash)", body: [])
        #expect(node.status == 200 && node.body == first.encoded())
        let parameters = await service.handle(method: "GET", path: "/network-parameters/\(map.networkParametersHash)", body: [])
        #expect(parameters.status == 200)
        #expect(try trust.verifiedParameters(try SignedEnvelope.decode(parameters.body, maximumBytes: 1 << 20), at: Date()) == TestNetwork.parameters(eventHorizonSeconds: 600))

        // A higher serial replaces: the old hash is gone from the map and from node-info.
        clock.advance(seconds: 300)
        let second = try network.signed(try TestNetwork.member(TestNetwork.bob, serial: 2), by: "bob")
        #expect(await service.handle(method: "POST", path: "/network-map/publish", body: second.encoded()).status == 200)
        #expect(await service.handle(method: "GET", path: "/network-map/node-info/\(first.hash)", body: []).status == 404)
        #expect(await service.handle(method: "POST", path: "/network-map/publish", body: first.encoded()).status == 409)

        // A new service on the same home sees what was stored.
        let restarted = try NetworkMapService(home: home, now: clock.function)
        #expect(try await restarted.entries().map(\.hash) == [second.hash])

        // Past the event horizon (600 s after the last publish) the entry and its file are gone.
        clock.advance(seconds: 601)
        let later = await restarted.handle(method: "GET", path: "/network-map", body: [])
        #expect(try trust.verifiedMap(try SignedEnvelope.decode(later.body, maximumBytes: 1 << 20), at: Date()).nodeInfoHashes.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: home.appendingPathComponent("entries/\(second.hash)").path))
    }

    @Test("every refusal has its status and a one-line reason; acknowledgements are stored per signer")
    func refusals() async throws {
        let network = try TestNetwork()
        defer { network.remove() }
        let service = try NetworkMapService(home: try network.serverHome())
        func post(_ path: String, _ body: [UInt8]) async -> NetworkMapResponse {
            await service.handle(method: "POST", path: path, body: body)
        }
        let publish = "/network-map/publish"
        #expect(await post(publish, Array("{}".utf8)).status == 400)
        #expect(await post(publish, [UInt8](repeating: 0x20, count: NetworkMapLimits.maximumRequestBytes + 1)).status == 413)
        let foreign = try network.signed(try TestNetwork.member(TestNetwork.alice, serial: 1), by: "other-alice")
        let untrusted = await post(publish, foreign.encoded())
        #expect(untrusted.status == 400)
        #expect(String(decoding: untrusted.body, as: UTF8.self).hasPrefix("1106 untrusted certificate: "))
        let otherGroup = try network.signed(try TestNetwork.member(TestNetwork.bob, serial: 1, group: "other-group"), by: "bob")
        #expect(String(decoding: await post(publish, otherGroup.encoded()).body, as: UTF8.self).hasPrefix("1111"))
        let byMapKey = try network.signed(try TestNetwork.member(TestNetwork.bob, serial: 1), by: "map")
        #expect(String(decoding: await post(publish, byMapKey.encoded()).body, as: UTF8.self).hasPrefix("1107"))
        #expect(await service.handle(method: "GET", path: "/network-map/publish", body: []).status == 405)
        #expect(await service.handle(method: "GET", path: "/network-map/node-info/abc", body: []).status == 400)
        #expect(await service.handle(method: "GET", path: "/network-map/node-info/\(SecureHash(of: [9]))", body: []).status == 404)
        #expect(await service.handle(method: "GET", path: "/network-parameters/\(SecureHash(of: [9]))", body: []).status == 404)
        #expect(await service.handle(method: "GET", path: "/elsewhere", body: []).status == 404)

        let parametersHash = await service.current.hash
        let ack = try SignedEnvelope.sign(
            payload: ParametersAck(parametersHash: parametersHash).encoded(), key: try network.key("bob"), chain: try network.chain("bob"))
        #expect(await post("/network-map/ack-parameters", ack.encoded()).status == 200)
        #expect(await service.acknowledgements().values.map(\.hex) == [parametersHash.hex])
        let unknown = try SignedEnvelope.sign(
            payload: ParametersAck(parametersHash: SecureHash(of: [7])).encoded(), key: try network.key("bob"), chain: try network.chain("bob"))
        #expect(String(decoding: await post("/network-map/ack-parameters", unknown.encoded()).body, as: UTF8.self).hasPrefix("1116"))
    }

    @Test("the server refuses a home whose map certificate lacks the NETWORK_MAP role or whose key file others can read")
    func home() throws {
        let network = try TestNetwork()
        defer { network.remove() }
        #expect(throws: NetworkMapError(.invalidServerHome)) { try NetworkMapService(home: try network.serverHome(mapSigner: "bob")) }
        let home = try network.serverHome()
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: home.appendingPathComponent(NetworkMapService.keyFile).path)
        #expect(throws: NetworkMapError(.invalidServerHome)) { try NetworkMapService(home: home) }
    }
}
