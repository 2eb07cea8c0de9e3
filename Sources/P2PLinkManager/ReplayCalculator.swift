public import P2PMembership

/// The delay before each replay (`docs/link-manager.md` §3): Corda's `ConstantReplayCalculator` and
/// `ExponentialBackoffReplayCalculator`.
public struct ReplayCalculator: Hashable, Sendable {
    public enum Algorithm: Hashable, Sendable {
        /// Every delay is `periodMillis`.
        case constant(periodMillis: UInt64)
        /// First `baseMillis`, then `max(base, min(2·last, cutoff))`.
        case exponentialBackoff(baseMillis: UInt64, cutoffMillis: UInt64)
    }

    public let algorithm: Algorithm

    public init(_ algorithm: Algorithm) throws(LinkManagerError) {
        switch algorithm {
        case .constant(let period):
            guard period > 0 else { throw LinkManagerError(.invalidConfiguration, "replay period must be positive") }
        case .exponentialBackoff(let base, let cutoff):
            guard base > 0, base <= cutoff else {
                throw LinkManagerError(.invalidConfiguration, "need 0 < base ≤ cutoff")
            }
        }
        self.algorithm = algorithm
    }

    /// The algorithm of a (validated) link-manager configuration.
    public init(_ configuration: LinkManagerConfiguration) throws(LinkManagerError) {
        let base = UInt64(max(0, configuration.replayPeriodMillis))
        switch configuration.replayAlgorithm {
        case .constant: try self.init(.constant(periodMillis: base))
        case .exponentialBackoff:
            try self.init(.exponentialBackoff(baseMillis: base, cutoffMillis: UInt64(max(0, configuration.replayPeriodCutoffMillis))))
        }
    }

    /// The delay before the first replay; also the smallest delay there is.
    public var firstDelay: UInt64 {
        switch algorithm {
        case .constant(let period): period
        case .exponentialBackoff(let base, _): base
        }
    }

    /// The delay after a replay that followed a delay of `last`.
    public func nextDelay(after last: UInt64) -> UInt64 {
        switch algorithm {
        case .constant(let period): period
        case .exponentialBackoff(let base, let cutoff): max(base, min(last.multipliedReportingOverflow(by: 2).overflow ? cutoff : 2 * last, cutoff))
        }
    }
}
