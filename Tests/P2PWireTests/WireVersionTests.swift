import P2PWire
import Testing

@Suite struct WireVersionTests {
    @Test func versionIsOne() { #expect(WireVersion.current == 1) }
}
