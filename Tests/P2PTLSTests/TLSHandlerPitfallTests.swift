import Foundation
import NIOCore
import NIOEmbedded
import P2PTLS
import P2PX509
import Testing

/// swift-nio-ssl's pitfall tests (`NIOSSLIntegrationTest.swift`, `TLSConnectionTests`), ported by name,
/// run back to back in memory.
@Suite("TLS handler pitfalls (ported from swift-nio-ssl)")
struct TLSHandlerPitfallTests {
    let credentials: TestCredentials
    let clientContext: TLSContext
    let serverContext: TLSContext
    let logs = CapturedLogs()

    init() throws {
        credentials = try TestCredentials()
        let identity = try credentials.identity(["server.example"])
        serverContext = try TLSContext(role: .server, configuration: TLSConfiguration(identities: [identity]))
        clientContext = try TLSContext(
            role: .client,
            configuration: TLSConfiguration(trustRoots: [credentials.root], closeTimeout: .seconds(2)))
    }

    func connected() throws -> BackToBackChannels {
        let pair = try BackToBackChannels(client: clientContext, server: serverContext, hostname: "server.example", logs: logs)
        try pair.connect()
        try pair.interactInMemory()
        #expect(pair.clientRecorder.handshakeCompleted)
        #expect(pair.serverRecorder.handshakeCompleted)
        return pair
    }

    @Test("testSimpleEcho: data flows both ways after the handshake")
    func testSimpleEcho() throws {
        let pair = try connected()
        defer { pair.finish() }
        try pair.client.writeAndFlush(ByteBuffer(text: "ping")).wait()
        try pair.interactInMemory()
        #expect(pair.serverRecorder.receivedText == "ping")
        pair.server.writeAndFlush(ByteBuffer(text: "pong"), promise: nil)
        try pair.interactInMemory()
        #expect(pair.clientRecorder.receivedText == "pong")
        #expect(pair.clientHandler.stateName == "active")
    }

    @Test("testCoalescedWrites: writes before the handshake completes are buffered, then sent in one network write")
    func testCoalescedWrites() throws {
        let pair = try BackToBackChannels(client: clientContext, server: serverContext, hostname: "server.example", logs: logs)
        defer { pair.finish() }
        var promises: [EventLoopFuture<Void>] = []
        // Written before the channel is even active.
        for word in ["one ", "two ", "three"] {
            promises.append(pair.client.write(ByteBuffer(text: word)))
        }
        pair.client.flush()
        try pair.connect()
        let writesBeforeHandshake = 1  // the ClientHello
        try pair.interactInMemory()
        #expect(pair.serverRecorder.receivedText == "one two three")
        for promise in promises { try promise.wait() }
        // ClientHello, then Finished, then one write carrying all three application records.
        #expect(pair.clientWrites.count == writesBeforeHandshake + 2)
    }

    @Test("testFlushWhileHandshakingDoesNotActuallyFlush: nothing is encrypted before the handshake completes")
    func testFlushDuringHandshakeDoesNotFlush() throws {
        let pair = try BackToBackChannels(client: clientContext, server: serverContext, hostname: "server.example", logs: logs)
        defer { pair.finish() }
        try pair.connect()
        let promise = pair.client.writeAndFlush(ByteBuffer(text: "early"))
        let hello = try #require(try pair.client.readOutbound(as: ByteBuffer.self))
        #expect(try pair.client.readOutbound(as: ByteBuffer.self) == nil)  // only the ClientHello left
        try pair.server.writeInbound(hello)
        try pair.interactInMemory()
        try promise.wait()
        #expect(pair.serverRecorder.receivedText == "early")
    }

    @Test("testReadsAreUnbufferedAfterHandshake: data that arrives with the peer's Finished is delivered")
    func testReadsAreUnbufferedAfterHandshake() throws {
        let pair = try BackToBackChannels(client: clientContext, server: serverContext, hostname: "server.example", logs: logs)
        defer { pair.finish() }
        pair.client.write(ByteBuffer(text: "piggy-backed"), promise: nil)
        pair.client.flush()
        try pair.connect()
        // ClientHello → server; server flight → client.
        try pair.server.writeInbound(try #require(try pair.client.readOutbound(as: ByteBuffer.self)))
        while let bytes = try pair.server.readOutbound(as: ByteBuffer.self) { try pair.client.writeInbound(bytes) }
        // The client's Finished and its application data, delivered to the server in one read.
        var flight = try #require(try pair.client.readOutbound(as: ByteBuffer.self))
        while var more = try pair.client.readOutbound(as: ByteBuffer.self) { flight.writeBuffer(&more) }
        #expect(pair.serverRecorder.receivedText.isEmpty)
        try pair.server.writeInbound(flight)
        #expect(pair.serverRecorder.handshakeCompleted)
        #expect(pair.serverRecorder.receivedText == "piggy-backed")
    }

    @Test("testLargeWrites: a 4 MiB write arrives intact, in records no larger than 16 KiB")
    func testLargeWrites() throws {
        let pair = try connected()
        defer { pair.finish() }
        let size = 4 << 20
        let payload = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 9) }
        let promise = pair.client.writeAndFlush(ByteBuffer(bytes: payload))
        try pair.interactInMemory()
        try promise.wait()
        #expect(pair.serverRecorder.received.count == size)
        #expect(pair.serverRecorder.received == payload)
        // Walk the TLS records of the last client write: each length ≤ 2^14 + 256 (RFC 8446 §5.2).
        var wire = try #require(pair.clientWrites.last)
        var records = 0
        while wire.readableBytes >= 5 {
            let length = Int(wire.getInteger(at: wire.readerIndex + 3, as: UInt16.self)!)
            #expect(length <= 16_384 + 256)
            wire.moveReaderIndex(forwardBy: 5 + length)
            records += 1
        }
        #expect(records >= size / 16_384)
    }

    @Test("testShutdownEventSequencing: close_notify from the client is answered, both sides close cleanly")
    func testCloseNotifyFromClient() throws {
        let pair = try connected()
        defer { pair.finish() }
        let closed = pair.client.close()
        try pair.interactInMemory()
        try closed.wait()
        #expect(!pair.client.isActive)
        #expect(!pair.server.isActive)
        #expect(pair.clientRecorder.events.contains("shutdownCompleted"))
        #expect(pair.serverRecorder.events.contains("shutdownCompleted"))
        #expect(pair.clientRecorder.errors.isEmpty)
        #expect(pair.serverRecorder.errors.isEmpty)
    }

    @Test("testChannelInactiveAfterCloseNotify: close_notify from the server, then TCP close, is not unclean")
    func testCloseNotifyFromServer() throws {
        let pair = try connected()
        defer { pair.finish() }
        pair.server.writeAndFlush(ByteBuffer(text: "last words"), promise: nil)
        let closed = pair.server.close()
        try pair.interactInMemory()
        try closed.wait()
        #expect(pair.clientRecorder.receivedText == "last words")
        #expect(!pair.client.isActive)
        #expect(pair.clientRecorder.errors.isEmpty)
        #expect(pair.serverRecorder.errors.isEmpty)
    }

    @Test("testUncleanShutdown: the peer's TCP close without close_notify is reported")
    func testUncleanShutdown() throws {
        let pair = try connected()
        defer { pair.finish() }
        pair.server.pipeline.fireChannelInactive()
        #expect(pair.serverRecorder.errors == [TLSError(.uncleanShutdown)])
        #expect(logs.contains("tls.error.code=454"))
    }

    @Test("testClosureTimeout: a peer that never answers close_notify is closed after the timeout")
    func testClosureTimeout() throws {
        let pair = try connected()
        defer { pair.finish() }
        let closed = pair.client.close()
        _ = try pair.client.readOutbound(as: ByteBuffer.self)  // our close_notify, swallowed: the peer is silent
        #expect(pair.client.isActive)
        pair.loop.advanceTime(by: .seconds(3))
        try closed.wait()
        #expect(!pair.client.isActive)
        #expect(pair.clientRecorder.errors == [TLSError(.closeTimeout)])
    }

    @Test("testMultipleClose: a second close shares the first one's outcome")
    func testMultipleClose() throws {
        let pair = try connected()
        defer { pair.finish() }
        let first = pair.client.close()
        let second = pair.client.close()
        try pair.interactInMemory()
        try first.wait()
        try second.wait()
    }

    @Test("testPendingWritesFailWhenFlushedOnClose: unflushed writes fail when the channel closes")
    func testPendingWritesFailOnClose() throws {
        let pair = try connected()
        defer { pair.finish() }
        let pending = pair.client.write(ByteBuffer(text: "never flushed"))
        let closed = pair.client.close()
        try pair.interactInMemory()
        try closed.wait()
        #expect(throws: TLSError(.writeAfterClose)) { try pending.wait() }
        #expect(throws: TLSError(.writeAfterClose)) { try pair.client.writeAndFlush(ByteBuffer(text: "late")).wait() }
    }

    @Test("testHandshakeTimeout: a peer that stalls the handshake is cut off")
    func testHandshakeTimeout() throws {
        let pair = try BackToBackChannels(client: clientContext, server: serverContext, hostname: "server.example", logs: logs)
        defer { pair.finish() }
        try pair.connect()  // nothing is exchanged
        pair.loop.advanceTime(by: .seconds(11))
        #expect(pair.serverRecorder.errors == [TLSError(.handshakeTimeout)])
        #expect(!pair.server.isActive)
    }

    @Test("testInputClosedDuringHandshakeClosesTheChannel: EOF during the handshake is reported")
    func testEOFDuringHandshake() throws {
        let pair = try BackToBackChannels(client: clientContext, server: serverContext, hostname: "server.example", logs: logs)
        defer { pair.finish() }
        try pair.connect()
        pair.client.pipeline.fireChannelInactive()
        #expect(pair.clientRecorder.errors == [TLSError(.eofDuringHandshake)])
    }
}

@Suite("SNI among many hosted identities")
struct TLSServerNameTests {
    @Test("a server hosting 100 identities presents the one the client names, wildcards included")
    func manyIdentities() throws {
        let credentials = try TestCredentials()
        var identities: [TLSIdentity] = []
        for index in 0..<99 {
            identities.append(try credentials.identity(["host\(index).example"], serial: UInt64(100 + index)))
        }
        identities.append(try credentials.identity(["*.wild.example"], serial: 999))
        let server = try TLSContext(role: .server, configuration: TLSConfiguration(identities: identities))
        let client = try TLSContext(role: .client, configuration: TLSConfiguration(trustRoots: [credentials.root]))
        let logs = CapturedLogs()
        for hostname in ["host0.example", "HOST73.example", "host98.example", "api.wild.example"] {
            let pair = try BackToBackChannels(client: client, server: server, hostname: hostname, logs: logs)
            defer { pair.finish() }
            try pair.connect()
            try pair.interactInMemory()
            // Hostname verification on the client passes only if the server chose the matching certificate.
            #expect(pair.clientRecorder.handshakeCompleted, "\(hostname): \(pair.clientRecorder.errors)")
        }
        // An unknown name gets the default (first) identity, which the client then refuses.
        let pair = try BackToBackChannels(client: client, server: server, hostname: "unknown.example", logs: logs)
        defer { pair.finish() }
        try pair.connect()
        try pair.interactInMemory()
        #expect(pair.clientRecorder.errors.map(\.code) == [.hostnameMismatch])
    }
}
