/// Producer settings.
public struct ProducerOptions: Sendable {
    public static let maximumInFlightLimit = 65_536
    /// Records sent but not yet accepted; `send` suspends while this many are in flight.
    public var maxInFlight: Int

    public init(maxInFlight: Int = 1024) {
        self.maxInFlight = maxInFlight
    }

    public func validate() throws(BusError) {
        guard maxInFlight >= 1, maxInFlight <= Self.maximumInFlightLimit else {
            throw BusError(.invalidOption, "maxInFlight \(maxInFlight) not in 1…\(Self.maximumInFlightLimit)")
        }
    }
}
