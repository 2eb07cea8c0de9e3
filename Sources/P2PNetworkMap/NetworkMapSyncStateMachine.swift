public import Foundation

/// When and what a cluster fetches from the network map, as a value: told of each event with the
/// current time, it answers with the next action. No I/O and no clock of its own.
///
/// A round is: fetch the map → download what is new (parameters, member records not yet held) →
/// apply → wait `max-age` (clamped; a default when absent) → fetch again. A failure anywhere ends
/// the round and the next comes after ``Policy/retryInterval``.
public struct NetworkMapSyncStateMachine: Sendable {
    /// The intervals, in seconds.
    public struct Policy: Sendable, Hashable {
        /// The shortest wait between two maps, whatever `max-age` says (`max-age=0` must not spin).
        public var minimumInterval: TimeInterval = 1
        /// The longest wait between two maps.
        public var maximumInterval: TimeInterval = 3600
        /// The wait when the server sent no `max-age`.
        public var defaultInterval: TimeInterval = 60
        /// The wait after a failed round.
        public var retryInterval: TimeInterval = 60

        public init() {}
    }

    public enum Action: Sendable, Hashable {
        case fetchMap
        /// Download these parameters (the map's current and announced ones not yet held) and member
        /// records, then call ``downloaded(parameters:records:now:)``.
        case download(parameters: [SecureHash], records: [SecureHash])
        /// Write the map's members and parameters, then call ``applied(now:)``.
        case apply(NetworkMap)
        /// Nothing to do before this time; then call ``timerFired(now:)``.
        case wait(until: Date)
    }

    enum State: Sendable, Hashable {
        case idle
        case fetchingMap
        case downloading(NetworkMap, nextRound: Date)
        case applying(NetworkMap, nextRound: Date)
        case waiting(until: Date)
    }

    public let policy: Policy
    private(set) var state: State = .idle
    /// The member records held (verified), by hash.
    public private(set) var heldRecords: Set<SecureHash> = []
    /// The parameters held (verified): the map's current and announced ones.
    public private(set) var heldParameters: Set<SecureHash> = []
    /// Rounds that ended in ``applied(now:)``.
    public private(set) var completedRounds = 0

    public init(policy: Policy = Policy()) { self.policy = policy }

    /// The first action.
    public mutating func start(now: Date) -> Action {
        state = .fetchingMap
        return .fetchMap
    }

    /// The map arrived (verified) with the answer's `max-age`.
    public mutating func mapReceived(_ map: NetworkMap, maxAgeSeconds: Int?, now: Date) -> Action {
        guard case .fetchingMap = state else { return current(now: now) }
        let interval = maxAgeSeconds.map { min(max(TimeInterval($0), policy.minimumInterval), policy.maximumInterval) } ?? policy.defaultInterval
        let nextRound = now.addingTimeInterval(interval)
        let (parameters, records) = missing(map)
        if parameters.isEmpty && records.isEmpty {
            state = .applying(map, nextRound: nextRound)
            return .apply(map)
        }
        state = .downloading(map, nextRound: nextRound)
        return .download(parameters: parameters, records: records)
    }

    /// The downloads arrived and verified.
    public mutating func downloaded(parameters: [SecureHash], records: [SecureHash], now: Date) -> Action {
        guard case .downloading(let map, let nextRound) = state else { return current(now: now) }
        heldParameters.formUnion(parameters)
        heldRecords.formUnion(records)
        state = .applying(map, nextRound: nextRound)
        return .apply(map)
    }

    /// The map was written; records no longer on the map are forgotten.
    public mutating func applied(now: Date) -> Action {
        guard case .applying(let map, let nextRound) = state else { return current(now: now) }
        heldRecords.formIntersection(map.nodeInfoHashes)
        heldParameters.formIntersection(Self.parameterHashes(map))
        completedRounds += 1
        state = .waiting(until: nextRound)
        return .wait(until: nextRound)
    }

    /// Something in this round failed: nothing from it is applied; retry later.
    public mutating func failed(now: Date) -> Action {
        let until = now.addingTimeInterval(policy.retryInterval)
        state = .waiting(until: until)
        return .wait(until: until)
    }

    /// The wait is over (or a timer fired early).
    public mutating func timerFired(now: Date) -> Action {
        guard case .waiting(let until) = state else { return current(now: now) }
        guard now >= until else { return .wait(until: until) }
        state = .fetchingMap
        return .fetchMap
    }

    /// Repeats the pending action (for events that do not fit the state).
    func current(now: Date) -> Action {
        switch state {
        case .idle, .fetchingMap: .fetchMap
        case .downloading(let map, _):
            .download(parameters: missing(map).parameters, records: missing(map).records)
        case .applying(let map, _): .apply(map)
        case .waiting(let until): .wait(until: until)
        }
    }

    /// What the map names that is not held yet.
    func missing(_ map: NetworkMap) -> (parameters: [SecureHash], records: [SecureHash]) {
        (Self.parameterHashes(map).filter { !heldParameters.contains($0) }, map.nodeInfoHashes.filter { !heldRecords.contains($0) })
    }

    /// The map's current parameters, then the announced ones.
    static func parameterHashes(_ map: NetworkMap) -> [SecureHash] {
        [map.networkParametersHash] + (map.parametersUpdate.map { [$0.newParametersHash] } ?? [])
    }
}
