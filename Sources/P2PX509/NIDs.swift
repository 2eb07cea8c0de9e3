import COpenSSL

/// OpenSSL object identifiers the toolkit uses.
enum NIDs {
    static let basicConstraints = NID_basic_constraints
    static let keyUsage = NID_key_usage
    static let extendedKeyUsage = NID_ext_key_usage
    static let subjectAlternativeName = NID_subject_alt_name
    static let crlDistributionPoints = NID_crl_distribution_points
    static let subjectKeyIdentifier = NID_subject_key_identifier
    static let authorityKeyIdentifier = NID_authority_key_identifier
    static let crlNumber = NID_crl_number
}
