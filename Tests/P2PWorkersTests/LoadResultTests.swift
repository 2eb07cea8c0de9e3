import Testing

/// The figures of the scaling and failure suites, computed from synthetic deliveries (no processes).
@Suite("Load results: recovery, percentiles, tables")
struct LoadResultTests {
    /// 100 deliveries per second for `seconds` seconds, each 10 ms after its intended time, with none
    /// arriving in `gap` (the messages due then arrive at its end).
    static func steady(seconds: Int, gapMilliseconds gap: Range<Int>? = nil) -> LoadResult {
        var result = LoadResult(label: "t", count: seconds * 100, rate: 100)
        for index in 0..<(seconds * 100) {
            let intended = index * 10
            var arrival = intended + 10
            if let gap, gap.contains(arrival) { arrival = gap.upperBound }
            result.deliveries.append(.init(intended: .milliseconds(intended), arrival: .milliseconds(arrival)))
        }
        result.sendEnd = .seconds(seconds)
        return result
    }

    @Test("no dip after the fault: recovery zero, p99 during the fault the steady latency")
    func noDip() {
        var result = Self.steady(seconds: 10)
        result.faultAt = .seconds(4)
        #expect(result.preFaultRate == 100)
        #expect(result.recovery == .zero)
        #expect(result.p99DuringFault == .milliseconds(10))
        #expect(result.lost == 0)
    }

    @Test("a 3 s outage after the fault: recovery at the end of the last low window, p99 near the outage")
    func outage() throws {
        var result = Self.steady(seconds: 10, gapMilliseconds: 4_000..<7_000)
        result.faultAt = .seconds(4)
        // Windows of 500 ms from 4 s: empty until 7 s, then the backlog and the steady rate.
        #expect(result.recovery == .seconds(3))
        let p99 = try #require(result.p99DuringFault)
        #expect(p99 > .milliseconds(2_900) && p99 <= .milliseconds(3_010))
        // The message due at 3.99 s waited the whole outage.
        #expect(result.latency(1.0) == .milliseconds(3_010))
    }

    @Test("still low when the send ended: not recovered in the run")
    func notRecovered() {
        var result = Self.steady(seconds: 10, gapMilliseconds: 4_000..<20_000)
        result.faultAt = .seconds(4)
        #expect(result.recovery == nil)
    }

    @Test("CPU per role joined in label order; CSV quotes fields with commas")
    func formatting() {
        var result = LoadResult(label: "t", count: 1, rate: nil)
        result.cpu = ["alice-lm-2": 0.5, "alice-lm-1": 1.25, "bob-lm-1": 0.1]
        #expect(result.cpu("alice-lm-") == "1.25 + 0.50")
        #expect(result.cpu("alice-gw-") == "—")
        let table = ResultsTable(columns: ["a", "b"], rows: [["1, 2", "say \"x\""]])
        #expect(table.csv == "a,b\n\"1, 2\",\"say \"\"x\"\"\"\n")
        #expect(table.markdown == "| a | b |\n| --- | --- |\n| 1, 2 | say \"x\" |\n")
    }
}
