import P2PDoorman
import Testing

@Suite struct RequestLifecycleTests {
    let chain: [[UInt8]] = [[1], [2], [3]]

    @Test func autoPolicyIssuesThenPersistsTheChain() throws {
        var lifecycle = RequestLifecycle()
        #expect(try lifecycle.admit(policy: .auto, claim: .unclaimed) == .issue)
        #expect(lifecycle.state == .submitted && lifecycle.isIssuing)
        #expect(lifecycle.poll(retryAfterSeconds: 5) == .pending(retryAfterSeconds: 5))
        #expect(try lifecycle.issued(chain: chain) == .persist)
        #expect(lifecycle.state == .approved(chain: chain))
        #expect(lifecycle.poll(retryAfterSeconds: 5) == .approved(chain: chain))
    }

    @Test func sameKeyMayAskAgainForItsName() throws {
        var lifecycle = RequestLifecycle()
        #expect(try lifecycle.admit(policy: .auto, claim: .heldBySameKey) == .issue)
    }

    @Test func nameHeldByAnotherKeyIsRejectedUnderEitherPolicy() throws {
        for policy in ApprovalPolicy.allCases {
            var lifecycle = RequestLifecycle()
            #expect(try lifecycle.admit(policy: policy, claim: .heldByAnotherKey) == .persist)
            #expect(lifecycle.state == .rejected(reason: RequestLifecycle.nameTakenReason))
            #expect(lifecycle.poll(retryAfterSeconds: 1) == .rejected(reason: RequestLifecycle.nameTakenReason))
        }
    }

    @Test func manualPolicyHoldsUntilApproved() throws {
        var lifecycle = RequestLifecycle()
        #expect(try lifecycle.admit(policy: .manual, claim: .unclaimed) == .persist)
        #expect(lifecycle.state == .pending)
        #expect(lifecycle.poll(retryAfterSeconds: 7) == .pending(retryAfterSeconds: 7))
        #expect(try lifecycle.approve(claim: .unclaimed) == .issue)
        #expect(try lifecycle.issued(chain: chain) == .persist)
        #expect(lifecycle.state.isFinal)
    }

    @Test func manualApprovalRechecksTheName() throws {
        var lifecycle = RequestLifecycle(restoring: .pending)
        #expect(throws: DoormanError(.nameAlreadyIssued)) { try lifecycle.approve(claim: .heldByAnotherKey) }
        #expect(lifecycle.state == .pending)
        #expect(try lifecycle.reject(reason: "duplicate name") == .persist)
        #expect(lifecycle.state == .rejected(reason: "duplicate name"))
    }

    @Test func finalStatesRefuseEveryEvent() throws {
        for state in [RequestState.approved(chain: chain), .rejected(reason: "no")] {
            var lifecycle = RequestLifecycle(restoring: state)
            #expect(throws: DoormanError(.invalidTransition)) { try lifecycle.approve(claim: .unclaimed) }
            #expect(throws: DoormanError(.invalidTransition)) { try lifecycle.reject(reason: "again") }
            #expect(throws: DoormanError(.invalidTransition)) { try lifecycle.issued(chain: chain) }
            #expect(throws: DoormanError(.invalidTransition)) { try lifecycle.admit(policy: .auto, claim: .unclaimed) }
            #expect(lifecycle.state == state)
        }
    }

    @Test func issuedWithoutIssueIsRefused() throws {
        var lifecycle = RequestLifecycle(restoring: .pending)
        #expect(throws: DoormanError(.invalidTransition)) { try lifecycle.issued(chain: chain) }
        var admitted = RequestLifecycle()
        _ = try admitted.admit(policy: .auto, claim: .unclaimed)
        #expect(throws: DoormanError(.issuanceFailed)) { try admitted.issued(chain: []) }
    }

    @Test func reasonsAreOneBoundedLine() throws {
        var lifecycle = RequestLifecycle(restoring: .pending)
        #expect(throws: DoormanError(.invalidReason)) { try lifecycle.reject(reason: "") }
        #expect(throws: DoormanError(.invalidReason)) { try lifecycle.reject(reason: "two\nlines") }
        #expect(throws: DoormanError(.invalidReason)) {
            try lifecycle.reject(reason: String(repeating: "x", count: DoormanLimits.maximumReasonLength + 1))
        }
        #expect(lifecycle.state == .pending)
    }

    @Test func pollIntervalIsBounded() {
        let lifecycle = RequestLifecycle(restoring: .pending)
        #expect(lifecycle.poll(retryAfterSeconds: 0) == .pending(retryAfterSeconds: 1))
        #expect(lifecycle.poll(retryAfterSeconds: 1_000_000) == .pending(retryAfterSeconds: DoormanLimits.maximumPollInterval))
    }

    @Test func requestIDsAreRandomAndStrictlyParsed() {
        let ids = (0..<64).map { _ in RequestID.random() }
        #expect(Set(ids).count == ids.count)
        for id in ids { #expect(RequestID(id.description) == id && id.description.utf8.count == 32) }
        #expect(RequestID("0123456789abcdef0123456789abcdef") != nil)
        #expect(RequestID("0123456789ABCDEF0123456789abcdef") == nil)
        #expect(RequestID("0123456789abcdef0123456789abcde") == nil)
        #expect(RequestID("../../etc/passwd") == nil)
    }
}
