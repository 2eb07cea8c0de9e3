import NIOCore
import P2PGateway
import P2PMembership
import Testing

@Suite struct ConnectionPoolStateMachineTests {
    typealias Machine = ConnectionPoolStateMachine
    typealias Action = Machine.Action

    static let a = try! GatewayEndpoint(url: "http://a.example:8001")
    static let b = try! GatewayEndpoint(url: "https://b.example:8002/ignored")
    let t0 = NIODeadline.uptimeNanoseconds(1_000_000_000)

    func machine(
        endpoints: [GatewayEndpoint] = [a, b], limits: Machine.Limits = .init(maximumInFlight: 2, maximumRetries: 1)
    ) throws -> Machine {
        try Machine(endpoints: endpoints, limits: limits, timing: timing { _ in })
    }

    /// The tests' timing (3 s response timeout, 2 s retry delay, 1…4 s reconnection, 60 s idle), changed by `change`.
    func timing(_ change: (inout GatewayConfiguration.Connection) -> Void) -> Machine.Timing {
        var connection = GatewayConfiguration.Connection()
        connection.responseTimeoutMillis = 3_000
        connection.retryDelayMillis = 2_000
        connection.initialReconnectionDelayMillis = 1_000
        connection.maximalReconnectionDelayMillis = 4_000
        connection.connectionIdleTimeoutMillis = 60_000
        change(&connection)
        return Machine.Timing(connection)
    }

    func okBody(_ statuses: [GatewayStatusBody.FrameStatus] = []) -> ByteBuffer {
        var buffer = ByteBuffer()
        GatewayStatusBody.accepted(statuses).encode(into: &buffer)
        return buffer
    }

    func sentIDs(_ actions: [Action]) -> [Int] {
        actions.compactMap { if case .send(_, let batch) = $0 { batch.id } else { nil } }
    }

    @Test func parsesEndpointURLs() throws {
        #expect(Self.b.host == "b.example" && Self.b.port == 8002 && Self.b.usesTLS)
        #expect(try GatewayEndpoint(url: "http://[::1]:9000").hostHeader == "[::1]:9000")
        #expect(try GatewayEndpoint(url: "https://bob.example").port == 443)
        #expect(throws: GatewayError(.invalidEndpoint)) { try GatewayEndpoint(url: "ftp://x:1") }
        #expect(throws: GatewayError(.invalidEndpoint)) { try GatewayEndpoint(url: "http://x:0") }
        #expect(throws: GatewayError(.invalidEndpoint)) { try GatewayEndpoint(url: "http://:80") }
        #expect(throws: GatewayError(.invalidEndpoint)) { try Machine(endpoints: []) }
    }

    @Test func connectsThenPipelinesUpToTheBound() throws {
        var m = try machine()
        let (id0, first) = m.enqueue(ByteBuffer(string: "0"), now: t0)
        #expect(first == [.connect(generation: 1, endpoint: Self.a)])
        for n in 1...2 { #expect(m.enqueue(ByteBuffer(string: "\(n)"), now: t0).actions.isEmpty) }
        let sent = m.connectSucceeded(generation: 1, now: t0)
        #expect(sentIDs(sent) == [id0, 1])
        #expect(m.inFlightCount == 2 && m.queuedCount == 1)
        let answered = m.responseReceived(generation: 1, status: 200, body: okBody(), keepAlive: true, now: t0)
        #expect(answered.first == .succeed(id: 0, .accepted()))
        #expect(sentIDs(answered) == [2])
    }

    @Test func perFrameStatusesSucceedAndKeepTheConnection() throws {
        var m = try machine()
        _ = m.enqueue(ByteBuffer(string: "x"), now: t0)
        _ = m.connectSucceeded(generation: 1, now: t0)
        let statuses = [GatewayStatusBody.FrameStatus(frameIndex: 3, .unknownSession)]
        let actions = m.responseReceived(generation: 1, status: 200, body: okBody(statuses), keepAlive: true, now: t0)
        #expect(actions == [.succeed(id: 0, .accepted(statuses))])
        #expect(!actions.contains(.close(generation: 1)))
    }

    @Test func fourHundredsAreNeverRetried() throws {
        var m = try machine()
        _ = m.enqueue(ByteBuffer(string: "x"), now: t0)
        _ = m.connectSucceeded(generation: 1, now: t0)
        var body = ByteBuffer()
        GatewayStatusBody(outcome: 707).encode(into: &body)
        let actions = m.responseReceived(generation: 1, status: 400, body: body, keepAlive: true, now: t0)
        #expect(actions == [.fail(id: 0, GatewayError(.rejected))])
        #expect(m.queuedCount == 0 && m.nextDeadline == t0 + .seconds(60))  // only the idle close is left
    }

    @Test func fiveHundredsAreRetriedAfterTheDelayABoundedNumberOfTimes() throws {
        var m = try machine()
        _ = m.enqueue(ByteBuffer(string: "x"), now: t0)
        _ = m.connectSucceeded(generation: 1, now: t0)
        var body = ByteBuffer()
        GatewayStatusBody(outcome: 708).encode(into: &body)
        #expect(m.responseReceived(generation: 1, status: 503, body: body, keepAlive: true, now: t0).isEmpty)
        #expect(m.nextDeadline == t0 + .seconds(2))
        #expect(m.tick(now: t0 + .seconds(1)).isEmpty)
        let retried = m.tick(now: t0 + .seconds(2))
        #expect(sentIDs(retried) == [0])
        let final = m.responseReceived(generation: 1, status: 503, body: body, keepAlive: true, now: t0 + .seconds(3))
        #expect(final == [.fail(id: 0, GatewayError(.retriesExhausted))])
    }

    @Test func responseTimeoutClosesAndRetriesOnTheNextEndpoint() throws {
        var m = try machine()
        _ = m.enqueue(ByteBuffer(string: "x"), now: t0)
        _ = m.connectSucceeded(generation: 1, now: t0)
        #expect(m.nextDeadline == t0 + .seconds(3))
        let actions = m.tick(now: t0 + .seconds(3))
        #expect(actions.first == .close(generation: 1))
        #expect(actions.contains(.connect(generation: 2, endpoint: Self.b)))
        #expect(m.queuedCount == 1)
        // A late response on the old connection is ignored.
        #expect(m.responseReceived(generation: 1, status: 200, body: okBody(), keepAlive: true, now: t0).isEmpty)
        #expect(m.connectionClosed(generation: 1, now: t0).isEmpty)
        // The retry waits for its delay once connected.
        #expect(m.connectSucceeded(generation: 2, now: t0 + .seconds(3)).isEmpty)
        #expect(sentIDs(m.tick(now: t0 + .seconds(5))) == [0])
    }

    @Test func failsOverThenBacksOffExponentiallyUpToTheMaximum() throws {
        var m = try machine(limits: .init(maximumRetries: 16))
        _ = m.enqueue(ByteBuffer(string: "x"), now: t0)
        #expect(m.connectFailed(generation: 1, now: t0) == [.connect(generation: 2, endpoint: Self.b)])
        #expect(m.connectFailed(generation: 2, now: t0).isEmpty)  // whole round failed: back off
        var now = t0
        var delays: [Int64] = []
        var generation = 3
        for _ in 0..<4 {
            let deadline = try #require(m.nextDeadline)
            delays.append((deadline - now).nanoseconds / 1_000_000)
            now = deadline
            #expect(m.tick(now: now) == [.connect(generation: generation, endpoint: Self.a)])
            _ = m.connectFailed(generation: generation, now: now)
            _ = m.connectFailed(generation: generation + 1, now: now)
            generation += 2
        }
        #expect(delays == [1_000, 2_000, 4_000, 4_000])
        // Success resets the delay and the next loss starts with the first endpoint after this one.
        _ = m.tick(now: now + .seconds(4))
        _ = m.connectSucceeded(generation: generation, now: now)
        #expect(m.currentDelay == .seconds(1))
    }

    @Test func waitingBatchesFailAfterBoundedRoundsWithoutAConnection() throws {
        var m = try machine(endpoints: [Self.a], limits: .init(maximumRetries: 1))
        _ = m.enqueue(ByteBuffer(string: "x"), now: t0)
        #expect(m.connectFailed(generation: 1, now: t0).isEmpty)
        _ = m.tick(now: t0 + .seconds(1))
        #expect(m.connectFailed(generation: 2, now: t0 + .seconds(1)) == [.fail(id: 0, GatewayError(.retriesExhausted))])
        #expect(m.tick(now: t0 + .seconds(10)).isEmpty)  // nothing left to connect for
    }

    @Test func queueIsBoundedAndShutdownFailsEverything() throws {
        var m = try machine(limits: .init(maximumQueuedBatches: 2, maximumInFlight: 1))
        _ = m.enqueue(ByteBuffer(string: "0"), now: t0)
        _ = m.enqueue(ByteBuffer(string: "1"), now: t0)
        #expect(m.enqueue(ByteBuffer(string: "2"), now: t0).actions == [.fail(id: 2, GatewayError(.queueFull))])
        _ = m.connectSucceeded(generation: 1, now: t0)
        let actions = m.shutdown()
        #expect(actions.first == .close(generation: 1))
        #expect(Set(actions.dropFirst()) == [.fail(id: 0, GatewayError(.shutDown)), .fail(id: 1, GatewayError(.shutDown))])
        #expect(m.enqueue(ByteBuffer(string: "3"), now: t0).actions == [.fail(id: 3, GatewayError(.shutDown))])
    }

    @Test func lostConnectionRetriesInFlightBatches() throws {
        var m = try machine()
        _ = m.enqueue(ByteBuffer(string: "0"), now: t0)
        _ = m.connectSucceeded(generation: 1, now: t0)
        let actions = m.connectionClosed(generation: 1, now: t0)
        #expect(actions == [.connect(generation: 2, endpoint: Self.b)])
        #expect(m.queuedCount == 1 && m.inFlightCount == 0)
    }

    @Test func idleConnectionsClose() throws {
        var m = try machine()
        _ = m.enqueue(ByteBuffer(string: "0"), now: t0)
        _ = m.connectSucceeded(generation: 1, now: t0)
        _ = m.responseReceived(generation: 1, status: 200, body: okBody(), keepAlive: true, now: t0)
        #expect(m.tick(now: t0 + .seconds(59)).isEmpty)
        #expect(m.tick(now: t0 + .seconds(60)) == [.close(generation: 1)])
        #expect(m.nextDeadline == nil)
    }

    // MARK: Configuration changes (docs/gateway.md §10)

    @Test func aNewResponseTimeoutAppliesToRequestsInFlightWithoutClosing() throws {
        var m = try machine()
        _ = m.enqueue(ByteBuffer(string: "0"), now: t0)
        #expect(sentIDs(m.connectSucceeded(generation: 1, now: t0)) == [0])
        #expect(m.nextDeadline == t0 + .seconds(3))
        m.updateTiming(timing { $0.responseTimeoutMillis = 10_000 })
        #expect(m.inFlightCount == 1)
        #expect(m.nextDeadline == t0 + .seconds(10))
        #expect(m.tick(now: t0 + .seconds(3)).isEmpty)  // the old timeout no longer fires
        #expect(m.tick(now: t0 + .seconds(10)).first == .close(generation: 1))
    }

    @Test func aNewIdleTimeoutAppliesToTheOpenConnection() throws {
        var m = try machine()
        let (id, _) = m.enqueue(ByteBuffer(string: "0"), now: t0)
        _ = m.connectSucceeded(generation: 1, now: t0)
        #expect(m.responseReceived(generation: 1, status: 200, body: okBody(), keepAlive: true, now: t0).first == .succeed(id: id, .accepted()))
        #expect(m.nextDeadline == t0 + .seconds(60))
        m.updateTiming(timing { $0.connectionIdleTimeoutMillis = 5_000 })
        #expect(m.nextDeadline == t0 + .seconds(5))
        #expect(m.tick(now: t0 + .seconds(5)) == [.close(generation: 1)])
    }

    @Test func aNewRetryDelayAppliesToTheNextFailure() throws {
        var m = try machine()
        _ = m.enqueue(ByteBuffer(string: "0"), now: t0)
        _ = m.connectSucceeded(generation: 1, now: t0)
        m.updateTiming(timing { $0.retryDelayMillis = 100 })
        #expect(m.responseReceived(generation: 1, status: 503, body: okBody(), keepAlive: true, now: t0).isEmpty)
        #expect(m.queuedCount == 1)
        #expect(m.nextDeadline == t0 + .milliseconds(100))
        #expect(sentIDs(m.tick(now: t0 + .milliseconds(100))) == [0])
    }

    @Test func aNewReconnectionDelayRestartsFromItsInitialValue() throws {
        var m = try machine(endpoints: [Self.a])
        _ = m.enqueue(ByteBuffer(string: "0"), now: t0)
        m.updateTiming(timing { $0.initialReconnectionDelayMillis = 200 })
        #expect(m.currentDelay == .milliseconds(200))
        _ = m.connectFailed(generation: 1, now: t0)
        #expect(m.nextDeadline == t0 + .milliseconds(200))
        // During a backoff a lower maximal delay caps the next one; the backoff already waiting keeps its deadline.
        m.updateTiming(timing {
            $0.initialReconnectionDelayMillis = 100
            $0.maximalReconnectionDelayMillis = 300
        })
        #expect(m.currentDelay == .milliseconds(300))
        #expect(m.nextDeadline == t0 + .milliseconds(200))
    }

    @Test func aNewConnectTimeoutIsUsedByTheNextConnection() throws {
        var m = try machine()
        m.updateTiming(timing { $0.acquireTimeoutMillis = 250 })
        #expect(m.timing.connectTimeout == .milliseconds(250))
    }
}
