import Foundation
import P2PDoorman
import P2PX509
import Testing

@Suite struct DoormanStoreTests {
    @Test func aNameBelongsToTheFirstKeyItWasIssuedTo() throws {
        let fixture = try DoormanFixture()
        defer { fixture.remove() }
        let doorman = try fixture.doorman(.auto)
        let first = try TestRequest("O=Alice Corp, L=London, C=GB")
        _ = try approvedChain(try doorman.poll(try doorman.submit(der: first.der)))
        // The same name with another key, even with its attributes in another order: rejected with the reason.
        let thief = try TestRequest.raw([("O", "Alice Corp"), ("L", "London"), ("C", "GB")])
        #expect(try doorman.poll(try doorman.submit(der: thief)) == .rejected(reason: RequestLifecycle.nameTakenReason))
        // The same key asking again: a fresh chain.
        let again = try TestRequest("O=Alice Corp, L=London, C=GB", key: first.key)
        #expect(try approvedChain(try doorman.poll(try doorman.submit(der: again.der))).count == 3)
        // Under manual approval too.
        let manual = try fixture.doorman(.manual)
        let other = try TestRequest("O=Alice Corp, L=London, C=GB")
        #expect(try manual.poll(try manual.submit(der: other.der)) == .rejected(reason: RequestLifecycle.nameTakenReason))
    }

    @Test func twoPendingRequestsForOneNameCannotBothBeApproved() throws {
        let fixture = try DoormanFixture()
        defer { fixture.remove() }
        let doorman = try fixture.doorman(.manual)
        let a = try doorman.submit(der: try TestRequest("O=Dave Corp, L=Oslo, C=NO").der)
        let b = try doorman.submit(der: try TestRequest("O=Dave Corp, L=Oslo, C=NO").der)
        #expect(try doorman.poll(a) == .pending(retryAfterSeconds: 2))
        try doorman.approve(a)
        #expect(throws: DoormanError(.nameAlreadyIssued)) { try doorman.approve(b) }
        #expect(try doorman.poll(b) == .pending(retryAfterSeconds: 2))
        try doorman.reject(b, reason: "name taken")
        #expect(try doorman.poll(b) == .rejected(reason: "name taken"))
        #expect(throws: DoormanError(.invalidTransition)) { try doorman.approve(b) }
        #expect(throws: DoormanError(.invalidTransition)) { try doorman.reject(a, reason: "too late") }
        #expect(throws: DoormanError(.unknownRequest)) { try doorman.approve(RequestID.random()) }
    }

    @Test func requestsSurviveARestartAsDurableFiles() throws {
        let fixture = try DoormanFixture()
        defer { fixture.remove() }
        let (a, b): (RequestID, RequestID)
        do {
            let doorman = try fixture.doorman(.manual)
            a = try doorman.submit(der: try TestRequest("O=Erin Corp, L=Rome, C=IT").der)
            b = try doorman.submit(der: try TestRequest("O=Frank Corp, L=Rome, C=IT").der)
        }
        // A crash mid-write leaves a temporary file: removed at start, never read as a request.
        let stray = fixture.home.requestsDirectory.appending(path: ".tmp-\(a).json-0")
        try Data("{".utf8).write(to: stray)
        let restarted = try fixture.doorman(.manual)
        #expect(!FileManager.default.fileExists(atPath: stray.path))
        #expect(try restarted.requests().map(\.id).sorted() == [a, b].sorted())
        #expect(try restarted.requests().allSatisfy { $0.status == .pending })
        try restarted.approve(a)
        try restarted.reject(b, reason: "unknown organisation")
        let again = try fixture.doorman(.manual)
        #expect(try approvedChain(try again.poll(a)).count == 3)
        #expect(try again.poll(b) == .rejected(reason: "unknown organisation"))
        let attributes = try FileManager.default.attributesOfItem(atPath: fixture.home.requestFile(a).path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let key = try FileManager.default.attributesOfItem(atPath: fixture.home.doormanKeyFile.path)
        #expect((key[.posixPermissions] as? Int) == 0o600)
    }

    @Test func pendingRequestsAreBounded() throws {
        let fixture = try DoormanFixture()
        defer { fixture.remove() }
        let doorman = try fixture.doorman(.manual, maximumPending: 2)
        let first = try doorman.submit(der: try TestRequest("O=Gina Corp, L=Rome, C=IT").der)
        _ = try doorman.submit(der: try TestRequest("O=Hank Corp, L=Rome, C=IT").der)
        #expect(throws: DoormanError(.tooManyPendingRequests)) {
            try doorman.submit(der: try TestRequest("O=Ivan Corp, L=Rome, C=IT").der)
        }
        try doorman.reject(first, reason: "no")
        _ = try doorman.submit(der: try TestRequest("O=Ivan Corp, L=Rome, C=IT").der)
    }

    @Test func unreadableRecordIsATransientStorageFailure() throws {
        let fixture = try DoormanFixture()
        defer { fixture.remove() }
        let doorman = try fixture.doorman(.manual)
        let id = RequestID.random()
        // A directory where the file should be: read(2) fails with EISDIR.
        try FileManager.default.createDirectory(at: fixture.home.requestFile(id), withIntermediateDirectories: true)
        #expect(throws: DoormanError(.storageFailed)) { try doorman.poll(id) }
        #expect(doorman.respond(method: "GET", path: "/certificate/\(id)", body: []).status == 503)
    }
}
