import P2PBus
import Testing

@Suite("BusLayout and setup files")
struct BusLayoutTests {
    @Test("the standard layout has every topic and table of the architecture")
    func standard() {
        let layout = BusLayout.standard
        #expect(layout.topics.map(\.name) == [
            "p2p.out", "p2p.in", "link.out", "link.in", "p2p.out.markers", "p2p.app.received_msg", "p2p.delivery.status",
        ])
        #expect(layout.tables.count == 9)
        #expect(layout.tables.contains { $0.name == "p2p.out.markers.state" && $0.maxValueBytes == TableSpec.maximumValueBytesLimit })
        #expect(layout.tables.contains { $0.name == "session.out.partitions" })
        for topic in layout.topics { #expect(throws: Never.self) { try topic.validate() } }
    }

    @Test("a setup file overrides fields and adds topics")
    func overrides() throws {
        let file = #"{"replicas": 3, "topics": [{"name": "link.in", "partitions": 16}, {"name": "extra.topic", "partitions": 2}], "tables": [{"name": "config", "history": 5}]}"#
        let layout = try BusLayout.standard.applying(setupFile: Array(file.utf8))
        #expect(layout.topics.first { $0.name == "link.in" }?.partitions == 16)
        #expect(layout.topics.first { $0.name == "link.in" }?.replicas == 3)
        #expect(layout.topics.last?.name == "extra.topic")
        #expect(layout.tables.first { $0.name == "config" }?.history == 5)
        #expect(layout.tables.allSatisfy { $0.replicas == 3 })
    }

    @Test("malformed setup files name the field", arguments: [
        (#"{"topics": [{"name": "p2p.out", "partitions": "many"}]}"#, "topics[0].partitions"),
        (#"{"topics": [{"partitions": 2}]}"#, "topics[0].name"),
        (#"{"topics": [{"name": "x", "partitions": 0}]}"#, "topics[0]"),
        (#"{"tables": [{"name": "config", "history": 100}]}"#, "tables[0]"),
        (#"{"replicas": 9}"#, "replicas"),
        (#"{"replicas": 1"#, "not valid JSON"),
    ])
    func malformed(file: String, field: String) {
        do {
            _ = try BusLayout.standard.applying(setupFile: Array(file.utf8))
            Issue.record("accepted \(file)")
        } catch {
            #expect(error.code == .malformedSetupFile)
            #expect(error.detail.contains(field), "\(error.detail) does not name \(field)")
        }
    }
}
