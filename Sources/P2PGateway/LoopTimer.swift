import NIOCore

/// One timer on an event loop, moved to whatever deadline a state machine asks for next. Loop-bound:
/// every call must be made on `eventLoop`.
final class LoopTimer {
    private let eventLoop: any EventLoop
    private var scheduled: Scheduled<Void>?
    private var deadline: NIODeadline?

    init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    /// Fires `body` at `deadline` (replacing any earlier setting); `nil` cancels.
    func schedule(at deadline: NIODeadline?, _ body: @escaping () -> Void) {
        guard deadline != self.deadline else { return }
        scheduled?.cancel()
        self.deadline = deadline
        guard let deadline else {
            scheduled = nil
            return
        }
        scheduled = eventLoop.assumeIsolated().scheduleTask(deadline: deadline) {
            self.deadline = nil
            self.scheduled = nil
            body()
        }
    }

    func cancel() {
        schedule(at: nil) {}
    }
}
