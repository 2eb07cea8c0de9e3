import P2PIdentity
import Testing

@testable import P2PLinkManager

enum Fixture {
    static let group = try! GroupID("group-1")
    static func identity(_ organisation: String) -> HoldingIdentity {
        HoldingIdentity(name: try! X500Name("O=\(organisation), L=London, C=GB"), groupID: group)
    }
    static let alice = identity("Alice Corp")
    static let bob = identity("Bob Corp")
    static let carol = identity("Carol Corp")
    static let pair = Counterparties(ours: alice, peer: bob)

    static func id(_ n: Int) -> MessageID { try! MessageID("m-\(n)") }

    static func message(
        _ n: Int, from source: HoldingIdentity = alice, to destination: HoldingIdentity = bob, ttl: UInt64? = nil,
        payload: [UInt8] = [1, 2, 3]
    ) -> AuthenticatedMessage {
        AuthenticatedMessage(
            header: AuthenticatedMessageHeader(
                destination: destination, source: source, ttl: ttl, messageID: id(n), traceID: "trace-\(n)",
                subsystem: "flows"),
            payload: payload)
    }

    static func key(_ n: Int) -> [UInt8] { Array("key-\(n)".utf8) }

    static func poolConfiguration(sessions: Int = 2) -> SessionPoolConfiguration {
        try! SessionPoolConfiguration(
            sessionsPerPeer: sessions, heartbeatPeriodMillis: 2_000, sessionTimeoutMillis: 10_000,
            handshakeResendPeriodMillis: 1_000, maximumQueuedMessages: 8, maximumQueuedBytes: 1_000)
    }

    static func tracker(
        _ algorithm: ReplayCalculator.Algorithm = .constant(periodMillis: 1_000), replayingPerPair: Int = 2,
        maximumTracked: Int = 100, maximumReplaysWithoutTTL: Int = 1_000
    ) -> DeliveryTracker {
        DeliveryTracker(
            configuration: try! DeliveryTracker.Configuration(
                replay: try! ReplayCalculator(algorithm), maximumReplayingPerPair: replayingPerPair,
                maximumTrackedMessages: maximumTracked, maximumTrackedBytes: 1_000_000,
                maximumReplaysWithoutTTL: maximumReplaysWithoutTTL))
    }
}

/// Expects `body` to throw a `LinkManagerError` with `code`.
func expectCode<T>(
    _ code: LinkManagerError.Code, sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws -> T
) {
    do {
        _ = try body()
        Issue.record("expected \(code), nothing thrown", sourceLocation: sourceLocation)
    } catch let error as LinkManagerError {
        #expect(error.code == code, sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected \(code), got \(error)", sourceLocation: sourceLocation)
    }
}
