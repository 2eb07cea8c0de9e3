import Foundation

/// How the node side reacts to each answer while it waits for its certificate: a pure decision with
/// the time injected, bounded by a total deadline (`docs/doorman.md` §7).
public struct RegistrationPoller: Sendable {
    /// What to do after one poll.
    public enum Decision: Hashable, Sendable {
        /// Sleep this many seconds, then poll again.
        case wait(seconds: Int)
        /// The zip archive of the chain.
        case finished(archive: [UInt8])
        /// The doorman refused; the stored id is dropped.
        case rejected(reason: String)
        /// Anything else: give up, keeping the stored id (timeouts) or not.
        case failed(DoormanError)
    }

    /// When waiting stops, in seconds on the caller's clock.
    public let deadline: Double

    public init(startedAt now: Double, timeoutSeconds: Double) { deadline = now + timeoutSeconds }

    /// The decision for a poll answered `status` with a `Cache-Control` header, at `now`.
    public func decide(status: Int, cacheControl: String?, body: [UInt8], now: Double) -> Decision {
        switch status {
        case 200:
            return .finished(archive: body)
        case 401:
            let reason = String(decoding: body.prefix(DoormanLimits.maximumReasonLength + 64), as: UTF8.self)
            return .rejected(reason: reason.trimmingCharacters(in: .whitespacesAndNewlines))
        case 204, 502, 503, 504:
            let seconds = status == 204 ? Self.maxAge(cacheControl) ?? DoormanLimits.defaultPollInterval : DoormanLimits.defaultPollInterval
            guard now + Double(seconds) <= deadline else {
                return .failed(DoormanError(.timedOut, "no certificate before the deadline; run again to resume"))
            }
            return .wait(seconds: seconds)
        default:
            return .failed(DoormanError(.unexpectedResponse, "the doorman answered HTTP \(status)"))
        }
    }

    /// The `max-age` of a `Cache-Control` value, clamped to 1…``DoormanLimits/maximumPollInterval``.
    public static func maxAge(_ cacheControl: String?) -> Int? {
        guard let cacheControl else { return nil }
        for directive in cacheControl.split(separator: ",") {
            let parts = directive.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, parts[0].lowercased() == "max-age", parts[1].utf8.count <= 10,
                let seconds = Int(parts[1]), seconds >= 0
            else { continue }
            return min(max(seconds, 1), DoormanLimits.maximumPollInterval)
        }
        return nil
    }
}
