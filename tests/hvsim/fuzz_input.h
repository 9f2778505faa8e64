/* What the libFuzzer targets (fuzz_*.c) share: a cursor that turns the
 * fuzzer's bytes into values (reads past the end give zeros, so every
 * input is a complete program), and FAILF for a broken invariant. Define
 * FUZZ_NAME before including. */
#pragma once
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FAILF(...)                                                              \
    do {                                                                        \
        fprintf(stderr, FUZZ_NAME ": invariant violated: " __VA_ARGS__);       \
        fputc('\n', stderr);                                                    \
        abort();                                                                \
    } while (0)

struct in {
    const uint8_t *p;
    size_t n;
};

static inline uint8_t u8(struct in *s)
{
    if (!s->n)
        return 0;
    s->n--;
    return *s->p++;
}

/* Little-endian; each byte read in its own statement (a fixed order). */
static inline uint16_t u16(struct in *s)
{
    uint16_t lo = u8(s);
    return (uint16_t)(lo | u8(s) << 8);
}

static inline uint32_t u32(struct in *s)
{
    uint32_t lo = u16(s);
    return lo | (uint32_t)u16(s) << 16;
}

static inline uint64_t u64(struct in *s)
{
    uint64_t lo = u32(s);
    return lo | (uint64_t)u32(s) << 32;
}

/* len bytes of input into buf (zeros past the end). */
static inline void take(struct in *s, uint8_t *buf, size_t len)
{
    size_t n = len < s->n ? len : s->n;
    memcpy(buf, s->p, n);
    memset(buf + n, 0, len - n);
    s->p += n;
    s->n -= n;
}
