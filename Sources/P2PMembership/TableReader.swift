public import P2PBus
import Synchronization

/// What changed in a table, as a reader saw it.
public enum RecordChange<Record: Sendable>: Sendable {
    case added(Record)
    case updated(old: Record, new: Record)
    /// The key was deleted; `Record` is the last value the reader held.
    case removed(Record)
}

extension RecordChange: Equatable where Record: Equatable {}

/// A live in-memory view of one bus table: the snapshot, then every change, decoded by `decode`.
///
/// One generic reader serves every record kind. `start()` returns once the snapshot is loaded (the
/// watch's `.caughtUp`); from then on the view follows the table and each subscriber is told what
/// changed, in table order, from the single task that reads the watch.
///
/// An entry that does not decode (malformed, unknown schema version, invalid) is **rejected**: the
/// reader keeps the last good value of that key, and tells the `onRejected` handlers why.
/// Handlers run on the reader's task and must not block; they see the state after the change.
/// Handlers registered before `start()` also see the snapshot (each record as `.added`, each
/// rejected entry as a rejection).
public final class TableReader<Record: Sendable>: Sendable {
    public typealias Decode = @Sendable (TableEntry) throws(MembershipError) -> Record
    public typealias ChangeHandler = @Sendable (RecordChange<Record>) -> Void
    public typealias RejectionHandler = @Sendable (_ key: String, _ error: MembershipError) -> Void

    /// Subscribers per reader; registering more fails (bounds the fan-out work per change).
    public static var maximumSubscribers: Int { 64 }

    public let tableName: String
    private let table: any BusTable
    private let decode: Decode
    private let accepts: @Sendable (String) -> Bool
    private let keepsDeleted: Bool
    private let state = Mutex(State())

    struct State {
        var records: [String: Record] = [:]
        var subscribers: [Int: ChangeHandler] = [:]
        var rejectionHandlers: [Int: RejectionHandler] = [:]
        var nextToken = 0
        var caughtUp = false
        var caughtUpWaiters: [CheckedContinuation<Void, Never>] = []
        var watch: TableWatch?
        var task: Task<Void, Never>?
        var rejected = 0
        var started = false
    }

    /// A reader of the keys of `table` that `accepts` admits. With `keepsDeleted`, a deleted key
    /// keeps its last value (for configuration).
    public init(
        table: any BusTable, accepts: @escaping @Sendable (String) -> Bool = { _ in true }, keepsDeleted: Bool = false,
        decode: @escaping Decode
    ) {
        self.tableName = table.name
        self.table = table
        self.accepts = accepts
        self.keepsDeleted = keepsDeleted
        self.decode = decode
    }

    deinit {
        state.withLock { state in
            state.watch?.cancel()
            state.task?.cancel()
        }
    }

    /// Starts watching and returns once the table's current state is loaded.
    public func start() async throws {
        let started = state.withLock { state in
            defer { state.started = true }
            return state.started
        }
        guard !started else { throw MembershipError(.invalidField, "reader of \(tableName) started twice") }
        let watch = try await table.watch()
        let task = Task { [weak self] in
            for await event in watch {
                guard let self else { return }
                self.handle(event)
            }
            self?.markCaughtUp()
        }
        state.withLock { state in
            state.watch = watch
            state.task = task
        }
        await waitUntilCaughtUp()
    }

    /// Stops the watch; the view stays as it was.
    public func stop() {
        let (watch, task) = state.withLock { state in (state.watch, state.task) }
        watch?.cancel()
        task?.cancel()
    }

    /// The current records by table key.
    public var records: [String: Record] { state.withLock { $0.records } }

    /// The record under `key`, if any.
    public func record(forKey key: String) -> Record? { state.withLock { $0.records[key] } }

    /// Entries rejected so far.
    public var rejectedCount: Int { state.withLock { $0.rejected } }

    /// Registers `handler` for every later change. Returns a token for ``unsubscribe(_:)``.
    @discardableResult
    public func subscribe(_ handler: @escaping ChangeHandler) throws(MembershipError) -> Int {
        try register { $0.subscribers[$1] = handler }
    }

    /// Registers `handler` for every rejected entry. Returns a token for ``unsubscribe(_:)``.
    @discardableResult
    public func onRejected(_ handler: @escaping RejectionHandler) throws(MembershipError) -> Int {
        try register { $0.rejectionHandlers[$1] = handler }
    }

    private func register(_ add: (inout State, Int) -> Void) throws(MembershipError) -> Int {
        try state.withLock { state throws(MembershipError) -> Int in
            guard state.subscribers.count + state.rejectionHandlers.count < Self.maximumSubscribers else {
                throw MembershipError(.invalidField, "more than \(Self.maximumSubscribers) subscribers")
            }
            state.nextToken += 1
            add(&state, state.nextToken)
            return state.nextToken
        }
    }

    public func unsubscribe(_ token: Int) {
        state.withLock { state in
            state.subscribers[token] = nil
            state.rejectionHandlers[token] = nil
        }
    }

    private func waitUntilCaughtUp() async {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state in
                if state.caughtUp { return true }
                state.caughtUpWaiters.append(continuation)
                return false
            }
            if ready { continuation.resume() }
        }
    }

    private func markCaughtUp() {
        let waiters = state.withLock { state in
            state.caughtUp = true
            defer { state.caughtUpWaiters = [] }
            return state.caughtUpWaiters
        }
        for waiter in waiters { waiter.resume() }
    }

    func handle(_ event: TableEvent) {
        switch event {
        case .caughtUp:
            markCaughtUp()
        case .put(let entry):
            guard accepts(entry.key) else { return }
            let record: Record
            do {
                record = try decode(entry)
            } catch {
                let handlers = state.withLock { state in
                    state.rejected += 1
                    return Array(state.rejectionHandlers.values)
                }
                for handler in handlers { handler(entry.key, error) }
                return
            }
            let (change, handlers) = state.withLock { state in
                let old = state.records.updateValue(record, forKey: entry.key)
                let change: RecordChange<Record> = old.map { .updated(old: $0, new: record) } ?? .added(record)
                return (change, Array(state.subscribers.values))
            }
            for handler in handlers { handler(change) }
        case .deleted(let key, _):
            guard accepts(key), !keepsDeleted else { return }
            let (old, handlers) = state.withLock { state in
                (state.records.removeValue(forKey: key), Array(state.subscribers.values))
            }
            guard let old else { return }
            for handler in handlers { handler(.removed(old)) }
        }
    }
}

extension TableReader where Record: MembershipRecord {
    /// A reader of the table of `Record`s on `bus`.
    public convenience init(bus: any MessageBus) async throws {
        let table = try await bus.table(Record.tableName)
        self.init(table: table) { entry throws(MembershipError) in try Record.decode(entry) }
    }
}

extension BusTable {
    /// Every key's current entry: the watch's replay up to `.caughtUp`.
    public func snapshot() async throws -> [String: TableEntry] {
        let watch = try await watch()
        defer { watch.cancel() }
        var entries: [String: TableEntry] = [:]
        for await event in watch {
            switch event {
            case .put(let entry): entries[entry.key] = entry
            case .deleted(let key, _): entries[key] = nil
            case .caughtUp: return entries
            }
        }
        return entries
    }
}
