/* Symbol lookup over the table tools/mksyms.py generates (section .ksyms):
 * the functions sorted by address, each the distance from the previous one
 * (a prefix varint) and its name in a byte-pair encoding whose token table
 * comes with it; a name may start with a copy code that keeps the first
 * characters of the previous name (the format is described in
 * tools/mksyms.py). A lookup decodes the stream from the start up to the
 * address: it only runs when a backtrace is printed. */
#include "kernel/arch/ksyms.h"
#include <stddef.h>

#define KSYMS_NAME_MAX 128  /* tools/mksyms.py: NAME_MAX */
#define KSYMS_DEPTH 32      /* tools/mksyms.py: DEPTH */
#define KSYMS_DIGITS 16     /* tools/mksyms.py: DIGITS */

/* Defined by the generated table; the first link pass has an empty one. */
extern const uint32_t ksyms_count;
extern const uint8_t ksyms_params[2];   /* digit base T, last copy code M */
extern const uint8_t ksyms_tokens[512];
extern const uint8_t ksyms_stream[];
extern char __text_start[], __text_end[];

/* The name decoded last: the name of the previous function while the
 * stream is walked (copy codes keep its first characters), the answer
 * after it. A backtrace prints each name before the next lookup (panics
 * run with interrupts off, on one CPU). */
static char name_buf[KSYMS_NAME_MAX];

/* A distance: digits d >= T add d and go on, weighted (256 - T) times more;
 * a digit below T ends it. */
static uint64_t read_distance(const uint8_t **p)
{
    uint64_t v = 0, weight = 1;
    for (int i = 0; i < KSYMS_DIGITS; i++) {
        uint8_t d = *(*p)++;
        v += d * weight;
        if (d < ksyms_params[0])
            break;
        weight *= 256u - ksyms_params[0];
    }
    return v;
}

/* Decodes the name at p into name_buf, an explicit stack standing for the
 * recursion into token pairs, up to the expanded 0 that ends it; returns
 * the entry after it. */
static const uint8_t *decode_name(const uint8_t *p)
{
    uint8_t stack[KSYMS_DEPTH + 2];
    size_t n = 0;
    for (;;) {
        int sp = 0;
        stack[sp++] = *p++;
        while (sp > 0) {
            uint8_t b = stack[--sp];
            const uint8_t *pair = &ksyms_tokens[2 * b];
            if (pair[0] && sp + 2 <= (int)sizeof stack) {
                stack[sp++] = pair[1];
                stack[sp++] = pair[0];
            } else if (!b) {
                name_buf[n] = '\0';
                return p;
            } else if (b <= ksyms_params[1]) {
                n = b + 1u;             /* copy code; the generator keeps M + 1 < 128 */
            } else if (n + 1 < sizeof name_buf) {
                name_buf[n++] = (char)b;
            }
        }
    }
}

const char *ksyms_lookup(uint64_t addr, uint64_t *offset)
{
    if (!ksyms_count || addr < (uint64_t)(uintptr_t)__text_start ||
        addr >= (uint64_t)(uintptr_t)__text_end)
        return NULL;
    /* Decode up to the last function starting at or below addr. */
    const uint8_t *p = ksyms_stream;
    uint64_t at = (uint64_t)(uintptr_t)__text_start;
    uint32_t i;
    for (i = 0; i < ksyms_count; i++) {
        uint64_t next = at + read_distance(&p);
        if (next > addr)
            break;
        at = next;
        p = decode_name(p);
    }
    if (!i)
        return NULL;
    *offset = addr - at;
    return name_buf;
}
