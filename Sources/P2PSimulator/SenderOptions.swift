public import P2PIdentity

/// What `p2p simulator send` sends (`docs/simulator.md`, SENDER).
public struct SenderOptions: Sendable {
    public static let maximumClients = 64
    public static let maximumInstanceIDLength = 32
    public static let subsystem = "app-simulator"

    public var source: HoldingIdentity
    public var destination: HoldingIdentity
    /// Messages per client; with `duration`, whichever ends first.
    public var count: Int?
    public var duration: Duration?
    /// Messages per second per client; `nil` = as fast as the bus accepts.
    public var rate: Double?
    public var batchSize: Int
    /// Filler bytes per payload.
    public var payloadSize: Int
    /// Each message's TTL relative to its intended send time; `nil` = none.
    public var ttl: Duration?
    public var clients: Int
    /// `A–Z a–z 0–9 - _`, 1…32 characters; client `c`'s sender id is `<instanceID>-<c>`.
    public var instanceID: String
    public var topic = "p2p.out"

    public init(
        source: HoldingIdentity, destination: HoldingIdentity, count: Int?, duration: Duration? = nil, rate: Double? = nil,
        batchSize: Int = 50, payloadSize: Int = 1024, ttl: Duration? = nil, clients: Int = 1, instanceID: String = SenderOptions.randomInstanceID()
    ) {
        self.source = source
        self.destination = destination
        self.count = count
        self.duration = duration
        self.rate = rate
        self.batchSize = batchSize
        self.payloadSize = payloadSize
        self.ttl = ttl
        self.clients = clients
        self.instanceID = instanceID
    }

    /// Eight random hex digits.
    public static func randomInstanceID() -> String {
        let value = UInt32.random(in: .min ... .max)
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 8 - hex.count) + hex
    }

    public func senderID(client: Int) -> String { "\(instanceID)-\(client)" }

    public func validate() throws(SimulatorError) {
        guard !instanceID.isEmpty, instanceID.utf8.count <= Self.maximumInstanceIDLength, SimulatorPayload.isValidSenderID(instanceID) else {
            throw SimulatorError(.invalidOption, "instance id '\(instanceID)': 1…\(Self.maximumInstanceIDLength) characters of A-Z a-z 0-9 - _")
        }
        guard (1...Self.maximumClients).contains(clients) else {
            throw SimulatorError(.invalidOption, "clients \(clients) not in 1…\(Self.maximumClients)")
        }
        guard (0...SimulatorPayload.maximumFillerLength).contains(payloadSize) else {
            throw SimulatorError(.invalidOption, "payload size \(payloadSize) not in 0…\(SimulatorPayload.maximumFillerLength)")
        }
        if let ttl, ttl <= .zero { throw SimulatorError(.invalidOption, "ttl must be positive") }
        _ = try schedule(start: 0)
    }

    /// A fresh schedule for one client starting at `start` (µs since the epoch).
    public func schedule(start: UInt64) throws(SimulatorError) -> SendSchedule {
        try SendSchedule(start: start, rate: rate, batchSize: batchSize, count: count, duration: duration.map(\.wholeMicroseconds))
    }
}

extension Duration {
    /// Whole microseconds (negative durations give 0).
    var wholeMicroseconds: UInt64 {
        let (seconds, attoseconds) = components
        guard seconds >= 0 else { return 0 }
        return UInt64(seconds) * 1_000_000 + UInt64(max(0, attoseconds) / 1_000_000_000_000)
    }
}
