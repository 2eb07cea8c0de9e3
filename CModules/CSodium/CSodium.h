#ifndef CSODIUM_H
#define CSODIUM_H
#include <sodium.h>

/* Swift cannot pass an UnsafeRawPointer where C expects `unsigned char *`
 * without rebinding memory; these shims take `void *` instead. */
static inline int CSodium_memcmp(const void *a, const void *b, size_t len) {
    return sodium_memcmp(a, b, len);
}
static inline void CSodium_memzero(void *p, size_t len) { sodium_memzero(p, len); }
static inline void CSodium_randombytes(void *p, size_t len) { randombytes_buf(p, len); }

#endif
