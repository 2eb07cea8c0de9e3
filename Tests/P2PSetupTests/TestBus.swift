import Foundation
import P2PBus
import P2PBusJetStream
import P2PMembership
import P2PSetup
import P2PTestSupport
import Testing

/// The two bus implementations every setup test runs against.
enum BusKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case inProcess
    case jetStream

    var testDescription: String { rawValue }
}

/// A bus with the standard layout's tables, and for JetStream the nats-server behind it (stopped by PID).
final class TestBus: Sendable {
    let bus: any MessageBus
    let server: NATSServer?

    init(bus: any MessageBus, server: NATSServer?) {
        self.bus = bus
        self.server = server
    }

    static func make(_ kind: BusKind) async throws -> TestBus {
        let result: TestBus
        switch kind {
        case .inProcess:
            result = TestBus(bus: InProcessBus(), server: nil)
        case .jetStream:
            let server = try await NATSServer.start()
            let bus = try await JetStreamBus.connect(urls: [server.url], configuration: .init(sendAsap: true))
            result = TestBus(bus: bus, server: server)
        }
        for table in BusLayout.standard.tables { try await result.bus.createTable(table) }
        return result
    }

    /// Runs `body` with a fresh bus of `kind`, closing it (and stopping the server) afterwards.
    static func with<T>(_ kind: BusKind, _ body: (TestBus) async throws -> T) async throws -> T {
        let bus = try await make(kind)
        do {
            let result = try await body(bus)
            await bus.close()
            return result
        } catch {
            await bus.close()
            throw error
        }
    }

    func close() async {
        await bus.close()
        server?.stop()
    }

    /// Every entry of a table now.
    func entries(_ table: String) async throws -> [String: TableEntry] {
        try await bus.table(table).snapshot()
    }
}

/// Waits (bounded: 5 s in 20 ms steps) until `condition` holds.
func eventually(_ condition: () -> Bool) async throws -> Bool {
    for _ in 0..<250 {
        if condition() { return true }
        try await Task.sleep(for: .milliseconds(20))
    }
    return condition()
}

/// The example network file the docs show, and the material it was made from.
enum Example {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("docs/examples")
    static var fileURL: URL { directory.appendingPathComponent("network.json") }
    static var bytes: [UInt8] { get throws { [UInt8](try Data(contentsOf: fileURL)) } }
    static var file: NetworkFile { get throws { try NetworkFile.parse(bytes) } }
    static let groupID = "example-network"
    static let alice = "O=Alice Corp, L=London, C=GB"
    static let bob = "O=Bob Ltd, L=New York, C=US"
}

