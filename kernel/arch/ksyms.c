/* Symbol lookup over the table tools/mksyms.py generates (section .ksyms):
 * the functions sorted by address, each the ULEB128 distance from the
 * previous one and its name in a byte-pair encoding whose token table
 * comes with it (the format is described in tools/mksyms.py). A lookup
 * walks the stream once: it only runs when a backtrace is printed. */
#include "kernel/arch/ksyms.h"
#include <stddef.h>

#define KSYMS_NAME_MAX 128  /* tools/mksyms.py: NAME_MAX */
#define KSYMS_DEPTH 32      /* tools/mksyms.py: DEPTH */

/* Defined by the generated table; the first link pass has an empty one. */
extern const uint32_t ksyms_count;
extern const uint8_t ksyms_tokens[512];
extern const uint8_t ksyms_stream[];
extern char __text_start[], __text_end[];

/* The decoded name of the last lookup: a backtrace prints each name before
 * the next lookup (panics run with interrupts off, on one CPU). */
static char name_buf[KSYMS_NAME_MAX];

static uint64_t read_uleb(const uint8_t **p)
{
    uint64_t v = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
        uint8_t b = *(*p)++;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            break;
    }
    return v;
}

/* Expands the encoded name at p into name_buf, an explicit stack standing
 * for the recursion into token pairs. */
static const char *decode_name(const uint8_t *p)
{
    uint8_t stack[KSYMS_DEPTH + 2];
    size_t n = 0;
    for (; *p; p++) {
        int sp = 0;
        stack[sp++] = *p;
        while (sp > 0) {
            uint8_t b = stack[--sp];
            const uint8_t *pair = &ksyms_tokens[2 * b];
            if (pair[0] && sp + 2 <= (int)sizeof stack) {
                stack[sp++] = pair[1];
                stack[sp++] = pair[0];
            } else if (n + 1 < sizeof name_buf) {
                name_buf[n++] = (char)b;
            }
        }
    }
    name_buf[n] = '\0';
    return name_buf;
}

const char *ksyms_lookup(uint64_t addr, uint64_t *offset)
{
    if (!ksyms_count || addr < (uint64_t)(uintptr_t)__text_start ||
        addr >= (uint64_t)(uintptr_t)__text_end)
        return NULL;
    /* Find the last function starting at or below addr. */
    const uint8_t *p = ksyms_stream, *best = NULL;
    uint64_t at = (uint64_t)(uintptr_t)__text_start, best_at = 0;
    for (uint32_t i = 0; i < ksyms_count; i++) {
        at += read_uleb(&p);
        if (at > addr)
            break;
        best = p;
        best_at = at;
        while (*p)
            p++;
        p++;
    }
    if (!best)
        return NULL;
    *offset = addr - best_at;
    return decode_name(best);
}
