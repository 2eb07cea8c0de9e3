/// The kinds of key pair the toolkit makes: EC P-256 (the default), RSA, Ed25519.
public enum KeyAlgorithm: Hashable, Sendable, CustomStringConvertible {
    case ecP256
    case rsa(bits: Int)
    case ed25519

    /// RSA modulus sizes we generate.
    public static let allowedRSABits: Set<Int> = [2048, 3072, 4096]

    public static let `default` = KeyAlgorithm.ecP256

    public var description: String {
        switch self {
        case .ecP256: "EC P-256"
        case .rsa(let bits): "RSA-\(bits)"
        case .ed25519: "Ed25519"
        }
    }
}
