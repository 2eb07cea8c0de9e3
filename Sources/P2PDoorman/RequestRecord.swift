public import Foundation
import P2PIdentity
import P2PX509

/// One request as stored in `requests/<id>.json` (`docs/doorman.md` §3).
public struct RequestRecord: Codable, Hashable, Sendable {
    public enum Status: String, Codable, Hashable, Sendable {
        case pending, approved, rejected
    }

    public let id: RequestID
    /// The canonical legal name (`X500Name.description`).
    public let legalName: String
    /// The Corda role number asked for.
    public let role: Int
    /// SHA-256 of the public key's DER, upper-case hex.
    public let keyFingerprint: String
    public let submittedAt: Date
    /// The DER PKCS#10 request.
    public let request: Data
    public var status: Status
    /// The chain's DER certificates, leaf first, when approved.
    public var chain: [Data]?
    /// Why it was rejected.
    public var reason: String?
    public var decidedAt: Date?

    public init(id: RequestID, validated: ValidatedRequest, submittedAt: Date) {
        self.id = id
        legalName = validated.legalName.description
        role = validated.role.rawValue
        keyFingerprint = validated.keyFingerprint
        self.submittedAt = submittedAt
        request = Data(validated.der)
        status = .pending
    }

    /// The lifecycle state this record stores.
    public var state: RequestState {
        switch status {
        case .pending: .pending
        case .approved: .approved(chain: (chain ?? []).map { Array($0) })
        case .rejected: .rejected(reason: reason ?? "")
        }
    }

    /// Records `state` (submitted is stored as pending).
    public mutating func record(_ state: RequestState, at now: Date) {
        switch state {
        case .submitted, .pending:
            status = .pending
        case .approved(let chain):
            status = .approved
            self.chain = chain.map { Data($0) }
            decidedAt = now
        case .rejected(let reason):
            status = .rejected
            self.reason = reason
            decidedAt = now
        }
    }
}
