import P2PCluster
import Testing

@Suite("Latency probe payloads")
struct LatencyProbeTests {
    @Test func theIntendedTimeRoundTripsThroughThePayload() {
        for intended in [Duration.zero, .nanoseconds(1), .milliseconds(1_234), .seconds(86_400 * 365)] {
            let payload = LatencyProbe.payload(size: 1024, intended: intended)
            #expect(payload.count == 1024 && payload[8...].allSatisfy { $0 == 0x5A })
            #expect(LatencyProbe.intended(payload) == intended)
        }
        #expect(LatencyProbe.payload(size: 2, intended: .seconds(1)).count == LatencyProbe.headerBytes)
    }
}
