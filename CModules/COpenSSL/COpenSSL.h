#ifndef COPENSSL_H
#define COPENSSL_H
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/crypto.h>
#include <openssl/opensslv.h>
#include <stdint.h>
#include <string.h>

/* OpenSSL macros that do not import into Swift. */
static inline long COpenSSL_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int version) {
    return SSL_CTX_set_min_proto_version(ctx, version);
}
static inline long COpenSSL_SSL_CTX_set_max_proto_version(SSL_CTX *ctx, int version) {
    return SSL_CTX_set_max_proto_version(ctx, version);
}
static inline long COpenSSL_SSL_CTX_set_options(SSL_CTX *ctx, unsigned long options) {
    return (long)SSL_CTX_set_options(ctx, options);
}
static inline long COpenSSL_SSL_CTX_set_mode(SSL_CTX *ctx, long mode) {
    return SSL_CTX_set_mode(ctx, mode);
}
static inline long COpenSSL_SSL_set_tlsext_host_name(SSL *ssl, const char *name) {
    return SSL_set_tlsext_host_name(ssl, name);
}
static inline long COpenSSL_SSL_CTX_set_tlsext_servername_callback(SSL_CTX *ctx, int (*cb)(SSL *, int *, void *)) {
    return SSL_CTX_set_tlsext_servername_callback(ctx, cb);
}
static inline long COpenSSL_SSL_CTX_set_tlsext_servername_arg(SSL_CTX *ctx, void *arg) {
    return SSL_CTX_set_tlsext_servername_arg(ctx, arg);
}
static inline void COpenSSL_BIO_set_retry_read(BIO *bio) { BIO_set_retry_read(bio); }
static inline void COpenSSL_BIO_set_retry_write(BIO *bio) { BIO_set_retry_write(bio); }
static inline void COpenSSL_BIO_clear_retry_flags(BIO *bio) { BIO_clear_retry_flags(bio); }
static inline long COpenSSL_BIO_get_mem_data(BIO *bio, char **pp) { return BIO_get_mem_data(bio, pp); }
static inline int COpenSSL_BIO_should_retry(BIO *bio) { return BIO_should_retry(bio); }
static inline int COpenSSL_OPENSSL_VERSION_MAJOR(void) { return OPENSSL_VERSION_MAJOR; }

/* Constants built from macros that do not import. */
static inline unsigned long COpenSSL_XN_FLAG_RFC2253(void) { return XN_FLAG_RFC2253; }
static inline int COpenSSL_MBSTRING_UTF8(void) { return MBSTRING_UTF8; }
static inline uint64_t COpenSSL_SSL_OP_NO_RENEGOTIATION(void) { return SSL_OP_NO_RENEGOTIATION; }
static inline uint64_t COpenSSL_SSL_OP_NO_COMPRESSION(void) { return SSL_OP_NO_COMPRESSION; }
static inline uint64_t COpenSSL_SSL_OP_CIPHER_SERVER_PREFERENCE(void) { return SSL_OP_CIPHER_SERVER_PREFERENCE; }
static inline long COpenSSL_SSL_CTX_set_max_send_fragment(SSL_CTX *ctx, long size) {
    return SSL_CTX_set_max_send_fragment(ctx, size);
}
static inline long COpenSSL_SSL_CTX_set_session_cache_mode(SSL_CTX *ctx, long mode) {
    return SSL_CTX_set_session_cache_mode(ctx, mode);
}
static inline long COpenSSL_SSL_CTX_set1_groups_list(SSL_CTX *ctx, const char *list) {
    return SSL_CTX_set1_groups_list(ctx, list);
}
static inline long COpenSSL_SSL_CTX_add_extra_chain_cert_up_ref(SSL_CTX *ctx, X509 *x509) {
    X509_up_ref(x509);
    long rc = SSL_CTX_add_extra_chain_cert(ctx, x509);
    if (rc != 1) X509_free(x509);
    return rc;
}
static inline long COpenSSL_SSL_CTX_set_max_cert_list(SSL_CTX *ctx, long size) {
    return SSL_CTX_set_max_cert_list(ctx, size);
}
static inline int COpenSSL_BIO_eof(BIO *bio) { return (int)BIO_eof(bio); }
static inline long COpenSSL_BIO_set_mem_eof_return(BIO *bio, long v) { return BIO_set_mem_eof_return(bio, v); }

/* Typed stacks: the sk_TYPE_* accessors are function-like macros. */
static inline int COpenSSL_sk_GENERAL_NAME_num(const GENERAL_NAMES *names) { return sk_GENERAL_NAME_num(names); }
static inline GENERAL_NAME *COpenSSL_sk_GENERAL_NAME_value(const GENERAL_NAMES *names, int i) {
    return sk_GENERAL_NAME_value(names, i);
}
static inline int COpenSSL_sk_X509_REVOKED_num(const STACK_OF(X509_REVOKED) *s) { return sk_X509_REVOKED_num(s); }
static inline X509_REVOKED *COpenSSL_sk_X509_REVOKED_value(const STACK_OF(X509_REVOKED) *s, int i) {
    return sk_X509_REVOKED_value(s, i);
}
static inline int COpenSSL_sk_X509_num(const STACK_OF(X509) *s) { return sk_X509_num(s); }
static inline X509 *COpenSSL_sk_X509_value(const STACK_OF(X509) *s, int i) { return sk_X509_value(s, i); }
static inline STACK_OF(X509) *COpenSSL_sk_X509_new_null(void) { return sk_X509_new_null(); }
static inline int COpenSSL_sk_X509_push(STACK_OF(X509) *s, X509 *x) { return sk_X509_push(s, x); }
static inline void COpenSSL_sk_X509_free(STACK_OF(X509) *s) { sk_X509_free(s); }
static inline STACK_OF(X509_EXTENSION) *COpenSSL_sk_X509_EXTENSION_new_null(void) {
    return sk_X509_EXTENSION_new_null();
}
static inline int COpenSSL_sk_X509_EXTENSION_push(STACK_OF(X509_EXTENSION) *s, X509_EXTENSION *e) {
    return sk_X509_EXTENSION_push(s, e);
}
static inline void COpenSSL_sk_X509_EXTENSION_pop_free(STACK_OF(X509_EXTENSION) *s) {
    sk_X509_EXTENSION_pop_free(s, X509_EXTENSION_free);
}

/* The n-th URI of a certificate's CRL distribution points, or NULL: DIST_POINT is a nested union. */
static inline int COpenSSL_X509_crl_distribution_uris(X509 *x, char *out, int outlen, int index) {
    STACK_OF(DIST_POINT) *points = X509_get_ext_d2i(x, NID_crl_distribution_points, NULL, NULL);
    int seen = 0, found = -1;
    if (points == NULL) return -1;
    for (int i = 0; i < sk_DIST_POINT_num(points) && found < 0; i++) {
        DIST_POINT *point = sk_DIST_POINT_value(points, i);
        if (point->distpoint == NULL || point->distpoint->type != 0) continue;
        GENERAL_NAMES *names = point->distpoint->name.fullname;
        for (int j = 0; j < sk_GENERAL_NAME_num(names); j++) {
            GENERAL_NAME *name = sk_GENERAL_NAME_value(names, j);
            if (name->type != GEN_URI) continue;
            if (seen++ != index) continue;
            int length = ASN1_STRING_length(name->d.uniformResourceIdentifier);
            if (length >= outlen) { found = -2; break; }
            memcpy(out, ASN1_STRING_get0_data(name->d.uniformResourceIdentifier), (size_t)length);
            out[length] = 0;
            found = length;
            break;
        }
    }
    sk_DIST_POINT_pop_free(points, DIST_POINT_free);
    return found;
}

#endif
