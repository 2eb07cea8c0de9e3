import Synchronization

/// The maximum request size that every connection of a server reads at each request head, so that a
/// new gateway configuration applies to the next request without touching open connections.
/// Clamped to `1024…ceiling` (the batch limits' maximum body length).
public final class RequestSizeLimit: Sendable {
    /// The smallest limit accepted (as `GatewayConfiguration.maxRequestSizeBytes`' lower bound).
    public static let minimumBytes = 1024

    public let ceiling: Int
    private let value: Atomic<Int>

    public init(bytes: Int, ceiling: Int) {
        self.ceiling = max(ceiling, Self.minimumBytes)
        self.value = Atomic(Self.clamp(bytes, ceiling: self.ceiling))
    }

    /// The limit in force.
    public var bytes: Int { value.load(ordering: .acquiring) }

    /// Sets the limit for requests whose head arrives from now on.
    public func set(_ bytes: Int) {
        value.store(Self.clamp(bytes, ceiling: ceiling), ordering: .releasing)
    }

    private static func clamp(_ bytes: Int, ceiling: Int) -> Int { min(max(bytes, minimumBytes), ceiling) }
}
