import P2PSession
import Testing

@Suite("Anti-replay window")
struct ReplayWindowTests {
    @Test func acceptsInOrderAndRejectsDuplicates() {
        var window = ReplayWindow()
        for n: UInt64 in 0..<200 { #expect(window.record(n) == .accept) }
        for n: UInt64 in [0, 1, 63, 64, 199] { #expect(window.record(n) == .duplicate) }
        #expect(window.highestRecorded == 199)
    }

    @Test func zeroIsAcceptedOnceAsTheFirstNumber() {
        var window = ReplayWindow()
        #expect(window.highestRecorded == nil)
        #expect(window.record(0) == .accept)
        #expect(window.record(0) == .duplicate)
    }

    @Test func acceptsBoundedReorderingWithinTheWindow() {
        var window = ReplayWindow()
        #expect(window.record(5000) == .accept)
        // Everything within windowSize below the highest is accepted once, in any order.
        let low = 5000 - ReplayWindow.windowSize
        for n in stride(from: 4999, through: low, by: -1) { #expect(window.record(n) == .accept) }
        #expect(window.record(low) == .duplicate)
        #expect(window.record(4321) == .duplicate)
    }

    @Test func rejectsNumbersJustBelowTheWindowAsTooOld() {
        var window = ReplayWindow()
        window.record(5000)
        let edge = 5000 - ReplayWindow.windowSize
        #expect(window.verdict(for: edge) == .accept)
        #expect(window.verdict(for: edge - 1) == .tooOld)
        #expect(window.record(0) == .tooOld)
    }

    @Test func verdictDoesNotRecord() {
        var window = ReplayWindow()
        #expect(window.verdict(for: 7) == .accept)
        #expect(window.verdict(for: 7) == .accept)
        window.record(7)
        #expect(window.verdict(for: 7) == .duplicate)
    }

    @Test func aLongJumpClearsTheWholeRing() {
        var window = ReplayWindow()
        for n: UInt64 in 0..<64 { window.record(n) }
        // Jump far ahead: numbers that share ring positions with old ones must be fresh again.
        let far = UInt64(ReplayWindow.blockCount) * 64 * 10
        #expect(window.record(far) == .accept)
        for n in (far - 63)...(far - 1) { #expect(window.record(n) == .accept) }
        #expect(window.record(far) == .duplicate)
    }

    @Test func slidingOneBlockAtATimeForgetsOnlyWhatLeftTheWindow() {
        var window = ReplayWindow()
        // Receive only even numbers up to 10 000, then the odd ones still inside the window.
        var n: UInt64 = 0
        while n <= 10_000 { #expect(window.record(n) == .accept); n += 2 }
        let low = 10_000 - ReplayWindow.windowSize
        var accepted = 0
        var odd = low | 1
        while odd < 10_000 {
            #expect(window.record(odd) == .accept)
            accepted += 1
            odd += 2
        }
        #expect(accepted == Int(ReplayWindow.windowSize / 2))
        #expect(window.record(low - 1) == .tooOld)
        #expect(window.record(10_000) == .duplicate)
    }

    @Test func handlesTheTopOfTheSequenceSpace() {
        var window = ReplayWindow()
        #expect(window.record(UInt64.max - 1) == .accept)
        #expect(window.record(UInt64.max) == .accept)
        #expect(window.record(UInt64.max) == .duplicate)
        #expect(window.record(UInt64.max - 1) == .duplicate)
        #expect(window.record(0) == .tooOld)
    }
}
