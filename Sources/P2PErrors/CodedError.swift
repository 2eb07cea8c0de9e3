/// The module an error belongs to: its name in descriptions. Each module declares one caseless enum and names its
/// error type `CodedError<ThatDomain>`, e.g. `public typealias WireError = CodedError<WireErrorDomain>`.
public protocol ErrorDomain: Sendable {
    /// The error type's name, as descriptions print it (`"WireError"`).
    static var name: String { get }
}

/// An error of one module: which rule failed (a stable numbered ``Code`` from `docs/error-codes.md`), a detail for
/// people, and where in our code it was raised.
///
/// Errors are equal when their codes are, so tests and callers match on ``code``, not on wording. Modules declare
/// their codes in a constrained extension of ``Code`` (`extension CodedError.Code where Domain == WireErrorDomain`),
/// so `WireError(.frameTooLarge, "…")` reads as before. A description names the code and the detail; details
/// never carry key bytes, payloads or certificates.
public struct CodedError<Domain: ErrorDomain>: Error, Hashable, Sendable, CustomStringConvertible {
    /// What failed: a number stable across releases and a short name.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: Int
        public let name: String

        /// Declares a code; only the module owning `Domain` does this, in its error file.
        public init(_ rawValue: Int, _ name: String) {
            self.rawValue = rawValue
            self.name = name
        }

        public var description: String { "\(name) (\(rawValue))" }
    }

    public let code: Code
    public let detail: String
    public let file: String
    public let line: Int

    public init(_ code: Code, _ detail: String = "", file: String = #fileID, line: Int = #line) {
        self.code = code
        self.detail = detail
        self.file = file
        self.line = line
    }

    public var description: String {
        detail.isEmpty ? "\(Domain.name): \(code)" : "\(Domain.name): \(code): \(detail)"
    }

    /// Errors are equal when their codes are: tests assert on codes, not on wording.
    public static func == (lhs: CodedError, rhs: CodedError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
