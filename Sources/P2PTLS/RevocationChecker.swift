import Foundation
import NIOCore
import P2PX509

/// The outcome of a revocation check over a verified chain.
enum RevocationVerdict: Equatable, Sendable {
    case good
    case revoked(SerialNumber)
    /// No current CRL signed by the issuer could be had for some certificate of the chain.
    case unavailable(String)
}

/// Checks a verified chain (leaf first, root last) against CRLs: configured ones first, then ones fetched
/// from the certificates' distribution points. The decision itself is ``evaluate(chain:lists:now:)``, pure.
struct RevocationChecker: Sendable {
    let mode: RevocationMode
    let configuredLists: [CertificateRevocationList]
    let fetcher: (any RevocationListSource)?

    init(configuration: RevocationConfiguration) {
        mode = configuration.mode
        configuredLists = configuration.revocationLists
        fetcher = configuration.fetcher
    }

    func check(chain: [Certificate], eventLoop: any EventLoop, now: Date = Date()) -> EventLoopFuture<RevocationVerdict> {
        // Certificates (root excluded) that no configured, current list covers.
        let uncovered = chain.indices.dropLast().filter { index in
            !configuredLists.contains { Self.covers($0, chain[index + 1], now: now) }
        }
        guard let fetcher, !uncovered.isEmpty else {
            return eventLoop.makeSucceededFuture(Self.evaluate(chain: chain, lists: configuredLists, now: now))
        }
        let fetches = uncovered.compactMap { chain[$0].crlDistributionPoints.first }.map { uri in
            fetcher.revocationList(at: uri, eventLoop: eventLoop)
                .map { Optional($0) }
                .recover { _ in nil }
        }
        return EventLoopFuture.whenAllSucceed(fetches, on: eventLoop).map { fetched in
            Self.evaluate(chain: chain, lists: configuredLists + fetched.compactMap { $0 }, now: now)
        }
    }

    /// Whether `list` is a current CRL of `issuer` (so it can speak for certificates `issuer` signed).
    static func covers(_ list: CertificateRevocationList, _ issuer: Certificate, now: Date) -> Bool {
        !list.isStale(at: now) && list.isSigned(by: issuer)
    }

    /// For each certificate but the root: revoked if its issuer's current CRL lists it; unavailable if no such CRL.
    static func evaluate(chain: [Certificate], lists: [CertificateRevocationList], now: Date) -> RevocationVerdict {
        var missing: [String] = []
        for index in chain.indices.dropLast() {
            let certificate = chain[index]
            let issuer = chain[index + 1]
            let current = lists.filter { covers($0, issuer, now: now) }
            if current.contains(where: { $0.isRevoked(certificate) }) { return .revoked(certificate.serialNumber) }
            if current.isEmpty { missing.append("no current CRL from \(issuer.subject) for serial \(certificate.serialNumber)") }
        }
        return missing.isEmpty ? .good : .unavailable(missing.joined(separator: "; "))
    }
}
