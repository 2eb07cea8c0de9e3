#ifndef CLZ4_H
#define CLZ4_H
#include <lz4.h>

/* lz4 takes `char *`; Swift passes raw pointers, so these shims take `void *`. */
static inline int CLZ4_compress_default(const void *src, void *dst, int srcSize, int dstCapacity) {
    return LZ4_compress_default((const char *)src, (char *)dst, srcSize, dstCapacity);
}
static inline int CLZ4_decompress_safe(const void *src, void *dst, int compressedSize, int dstCapacity) {
    return LZ4_decompress_safe((const char *)src, (char *)dst, compressedSize, dstCapacity);
}
static inline int CLZ4_compressBound(int inputSize) { return LZ4_compressBound(inputSize); }
static inline int CLZ4_MAX_INPUT_SIZE(void) { return LZ4_MAX_INPUT_SIZE; }

#endif
