#ifndef CSODIUM_H
#define CSODIUM_H
#include <sodium.h>

/* Swift cannot pass an UnsafeRawPointer where C expects `unsigned char *`
 * without rebinding memory; these shims take `void *` instead. Pointers to
 * empty inputs may be NULL (libsodium accepts NULL with a zero length there). */
static inline int CSodium_memcmp(const void *a, const void *b, size_t len) {
    return sodium_memcmp(a, b, len);
}
static inline void CSodium_memzero(void *p, size_t len) { sodium_memzero(p, len); }
static inline void CSodium_randombytes(void *p, size_t len) { randombytes_buf(p, len); }

/* SHA-256 and HMAC-SHA256 (streaming). */
static inline void CSodium_sha256_init(crypto_hash_sha256_state *s) { crypto_hash_sha256_init(s); }
static inline void CSodium_sha256_update(crypto_hash_sha256_state *s, const void *in, size_t len) {
    crypto_hash_sha256_update(s, (const unsigned char *)in, (unsigned long long)len);
}
static inline void CSodium_sha256_final(crypto_hash_sha256_state *s, void *out) {
    crypto_hash_sha256_final(s, (unsigned char *)out);
}
static inline void CSodium_hmacsha256_init(crypto_auth_hmacsha256_state *s, const void *key, size_t keylen) {
    crypto_auth_hmacsha256_init(s, (const unsigned char *)key, keylen);
}
static inline void CSodium_hmacsha256_update(crypto_auth_hmacsha256_state *s, const void *in, size_t len) {
    crypto_auth_hmacsha256_update(s, (const unsigned char *)in, (unsigned long long)len);
}
static inline void CSodium_hmacsha256_final(crypto_auth_hmacsha256_state *s, void *out) {
    crypto_auth_hmacsha256_final(s, (unsigned char *)out);
}

/* X25519. */
static inline int CSodium_x25519(void *shared, const void *secret, const void *public_key) {
    return crypto_scalarmult((unsigned char *)shared, (const unsigned char *)secret,
                             (const unsigned char *)public_key);
}
static inline int CSodium_x25519_base(void *public_key, const void *secret) {
    return crypto_scalarmult_base((unsigned char *)public_key, (const unsigned char *)secret);
}

/* Ed25519: the 64-byte secret key is seed || public key. */
static inline int CSodium_ed25519_seed_keypair(void *public_key, void *secret_key, const void *seed) {
    return crypto_sign_seed_keypair((unsigned char *)public_key, (unsigned char *)secret_key,
                                    (const unsigned char *)seed);
}
static inline int CSodium_ed25519_sign(void *signature, const void *m, size_t mlen, const void *secret_key) {
    return crypto_sign_detached((unsigned char *)signature, NULL, (const unsigned char *)m,
                                (unsigned long long)mlen, (const unsigned char *)secret_key);
}
static inline int CSodium_ed25519_verify(const void *signature, const void *m, size_t mlen, const void *public_key) {
    return crypto_sign_verify_detached((const unsigned char *)signature, (const unsigned char *)m,
                                       (unsigned long long)mlen, (const unsigned char *)public_key);
}

/* ChaCha20-Poly1305-IETF, combined mode: c = ciphertext || 16-byte tag. */
static inline int CSodium_chacha20poly1305_seal(void *c, const void *m, size_t mlen, const void *ad, size_t adlen,
                                                const void *nonce, const void *key) {
    return crypto_aead_chacha20poly1305_ietf_encrypt(
        (unsigned char *)c, NULL, (const unsigned char *)m, (unsigned long long)mlen,
        (const unsigned char *)ad, (unsigned long long)adlen, NULL, (const unsigned char *)nonce,
        (const unsigned char *)key);
}
static inline int CSodium_chacha20poly1305_open(void *m, const void *c, size_t clen, const void *ad, size_t adlen,
                                                const void *nonce, const void *key) {
    return crypto_aead_chacha20poly1305_ietf_decrypt(
        (unsigned char *)m, NULL, NULL, (const unsigned char *)c, (unsigned long long)clen,
        (const unsigned char *)ad, (unsigned long long)adlen, (const unsigned char *)nonce,
        (const unsigned char *)key);
}

/* The ChaCha20-Poly1305-IETF tag (RFC 8439 §2.8) of an EMPTY plaintext whose associated data is
 * a || b, computed without joining a and b: equal to the tag crypto_aead_chacha20poly1305_ietf_encrypt
 * produces for mlen = 0 and ad = a || b. Used for the AUTHENTICATION_ONLY session mode. */
static inline void CSodium_chacha20poly1305_tag(void *tag, const void *a, size_t alen, const void *b, size_t blen,
                                                const void *nonce, const void *key) {
    crypto_onetimeauth_poly1305_state state;
    unsigned char block0[64];
    unsigned char tail[16 + 16] = {0};
    unsigned long long adlen = (unsigned long long)alen + (unsigned long long)blen;
    size_t pad = (size_t)((0x10 - (adlen & 0xf)) & 0xf);
    int i;
    crypto_stream_chacha20_ietf(block0, sizeof block0, (const unsigned char *)nonce, (const unsigned char *)key);
    crypto_onetimeauth_poly1305_init(&state, block0);
    if (alen > 0) crypto_onetimeauth_poly1305_update(&state, (const unsigned char *)a, alen);
    if (blen > 0) crypto_onetimeauth_poly1305_update(&state, (const unsigned char *)b, blen);
    /* pad16(ad), then le64(adlen) || le64(0) (the ciphertext is empty) */
    for (i = 0; i < 8; i++) tail[pad + i] = (unsigned char)(adlen >> (8 * i));
    crypto_onetimeauth_poly1305_update(&state, tail, pad + 16);
    crypto_onetimeauth_poly1305_final(&state, (unsigned char *)tag);
    sodium_memzero(&state, sizeof state);
    sodium_memzero(block0, sizeof block0);
}

/* AES-256-GCM with a precomputed key schedule (state must be 16-byte aligned). */
static inline size_t CSodium_aes256gcm_statebytes(void) { return sizeof(crypto_aead_aes256gcm_state); }
static inline int CSodium_aes256gcm_beforenm(void *state, const void *key) {
    return crypto_aead_aes256gcm_beforenm((crypto_aead_aes256gcm_state *)state, (const unsigned char *)key);
}
static inline int CSodium_aes256gcm_seal(void *c, const void *m, size_t mlen, const void *ad, size_t adlen,
                                         const void *nonce, const void *state) {
    return crypto_aead_aes256gcm_encrypt_afternm(
        (unsigned char *)c, NULL, (const unsigned char *)m, (unsigned long long)mlen,
        (const unsigned char *)ad, (unsigned long long)adlen, NULL, (const unsigned char *)nonce,
        (const crypto_aead_aes256gcm_state *)state);
}
static inline int CSodium_aes256gcm_open(void *m, const void *c, size_t clen, const void *ad, size_t adlen,
                                         const void *nonce, const void *state) {
    return crypto_aead_aes256gcm_decrypt_afternm(
        (unsigned char *)m, NULL, NULL, (const unsigned char *)c, (unsigned long long)clen,
        (const unsigned char *)ad, (unsigned long long)adlen, (const unsigned char *)nonce,
        (const crypto_aead_aes256gcm_state *)state);
}

/* XSalsa20-Poly1305 secretbox, combined mode: c = 16-byte tag || ciphertext (key sealing at rest). */
static inline size_t CSodium_secretbox_keybytes(void) { return crypto_secretbox_KEYBYTES; }
static inline size_t CSodium_secretbox_noncebytes(void) { return crypto_secretbox_NONCEBYTES; }
static inline size_t CSodium_secretbox_macbytes(void) { return crypto_secretbox_MACBYTES; }
static inline int CSodium_secretbox_seal(void *c, const void *m, size_t mlen, const void *nonce, const void *key) {
    return crypto_secretbox_easy((unsigned char *)c, (const unsigned char *)m, (unsigned long long)mlen,
                                 (const unsigned char *)nonce, (const unsigned char *)key);
}
static inline int CSodium_secretbox_open(void *m, const void *c, size_t clen, const void *nonce, const void *key) {
    return crypto_secretbox_open_easy((unsigned char *)m, (const unsigned char *)c, (unsigned long long)clen,
                                      (const unsigned char *)nonce, (const unsigned char *)key);
}
static inline int CSodium_init(void) { return sodium_init(); }

#endif
