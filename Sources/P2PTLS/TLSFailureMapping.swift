import COpenSSL

/// Turns OpenSSL's reason codes and X.509 verification results into specific ``TLSError`` codes.
enum TLSFailureMapping {
    static func error(reason: Int32, verifyResult: Int, openSSLText: String, duringHandshake: Bool) -> TLSError {
        if reason == SSL_R_CERTIFICATE_VERIFY_FAILED, verifyResult != X509_V_OK {
            return verificationError(Int32(verifyResult))
        }
        switch reason {
        case SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE:
            return TLSError(.peerCertificateRequired, openSSLText)
        case SSL_R_HTTP_REQUEST, SSL_R_HTTPS_PROXY_REQUEST:
            return TLSError(.plaintextHTTP, openSSLText)
        case SSL_R_WRONG_VERSION_NUMBER, SSL_R_UNKNOWN_PROTOCOL, SSL_R_PACKET_LENGTH_TOO_LONG,
            SSL_R_RECORD_LENGTH_MISMATCH:
            return TLSError(duringHandshake ? .notTLS : .readFailed, openSSLText)
        case SSL_R_UNSUPPORTED_PROTOCOL, SSL_R_TLSV1_ALERT_PROTOCOL_VERSION, SSL_R_NO_PROTOCOLS_AVAILABLE:
            return TLSError(.protocolVersion, openSSLText)
        case SSL_R_TLSV1_ALERT_UNKNOWN_CA, SSL_R_SSLV3_ALERT_BAD_CERTIFICATE, SSL_R_SSLV3_ALERT_CERTIFICATE_EXPIRED,
            SSL_R_SSLV3_ALERT_CERTIFICATE_REVOKED, SSL_R_SSLV3_ALERT_CERTIFICATE_UNKNOWN,
            SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED:
            return TLSError(.peerCertificateRejectedUs, openSSLText)
        case SSL_R_UNEXPECTED_EOF_WHILE_READING:
            return TLSError(duringHandshake ? .eofDuringHandshake : .uncleanShutdown, openSSLText)
        default:
            // Reasons from 1000 up are alerts the peer sent (SSL_AD_REASON_OFFSET).
            if reason >= 1000 { return TLSError(.peerAlert, openSSLText) }
            return TLSError(duringHandshake ? .handshakeFailed : .readFailed, openSSLText)
        }
    }

    /// An X.509 verification failure (`X509_V_ERR_*`) as a specific code, with OpenSSL's wording.
    static func verificationError(_ result: Int32) -> TLSError {
        let text = String(cString: X509_verify_cert_error_string(Int(result)))
        switch result {
        case X509_V_ERR_CERT_HAS_EXPIRED, X509_V_ERR_CERT_NOT_YET_VALID:
            return TLSError(.certificateExpired, text)
        case X509_V_ERR_HOSTNAME_MISMATCH, X509_V_ERR_IP_ADDRESS_MISMATCH:
            return TLSError(.hostnameMismatch, text)
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT,
            X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN, X509_V_ERR_CERT_UNTRUSTED,
            X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
            return TLSError(.untrustedCertificate, text)
        case X509_V_ERR_CERT_REVOKED:
            return TLSError(.certificateRevoked, text)
        default:
            return TLSError(.certificateRejected, text)
        }
    }
}
