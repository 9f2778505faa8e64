/* Symbol lookup over the table tools/mksyms.py generates (section .ksyms):
 * the functions sorted by address, each the distance from the previous one
 * (a prefix varint, in whole bytes) and its name: byte-pair tokens and
 * characters in a canonical Huffman code, where a name may start with a
 * copy code that keeps the first characters of the previous name (the
 * format is described in tools/mksyms.py). A lookup decodes the stream
 * from the start up to the address: it only runs when a backtrace is
 * printed. */
#include "kernel/arch/ksyms.h"
#include <stddef.h>

#define KSYMS_NAME_MAX 128  /* tools/mksyms.py: NAME_MAX */
#define KSYMS_DEPTH 32      /* tools/mksyms.py: DEPTH */
#define KSYMS_DIGITS 16     /* tools/mksyms.py: DIGITS */
#define KSYMS_CHAR 255      /* tools/mksyms.py: CHAR */

/* Defined by the generated table; the first link pass has an empty one. */
extern const uint32_t ksyms_count;
extern const uint8_t ksyms_params[3];   /* digit base T, last copy code M, longest code */
extern const uint8_t ksyms_lens[];      /* number of codes of each length from 1 bit */
extern const uint8_t ksyms_table[];     /* per symbol: two symbols, or (KSYMS_CHAR, c) */
extern const uint8_t ksyms_stream[];
extern char __text_start[], __text_end[];

/* The name decoded last: the name of the previous function while the
 * stream is walked (copy codes keep its first characters), the answer
 * after it. A backtrace prints each name before the next lookup (panics
 * run with interrupts off, on one CPU). */
static char name_buf[KSYMS_NAME_MAX];

/* The bit of the stream read next (a lookup starts at 0). */
static uint32_t bit_pos;

/* The next n bits of the stream, the first the most significant. */
static unsigned get_bits(int n)
{
    unsigned v = 0;
    for (; n > 0; n--, bit_pos++)
        v = v << 1 | (ksyms_stream[bit_pos >> 3] >> (~bit_pos & 7) & 1);
    return v;
}

/* A distance: digits d >= T add d and go on, weighted (256 - T) times more;
 * a digit below T ends it. */
static uint64_t read_distance(void)
{
    uint64_t v = 0, weight = 1;
    for (int i = 0; i < KSYMS_DIGITS; i++) {
        unsigned d = get_bits(8);
        v += d * weight;
        if (d < ksyms_params[0])
            break;
        weight *= 256u - ksyms_params[0];
    }
    return v;
}

/* One symbol: the codes of a length are consecutive numbers that follow
 * those of the shorter lengths, shifted left (canonical Huffman). */
static unsigned read_symbol(void)
{
    unsigned code = 0, index = 0;
    for (int len = 0; len < ksyms_params[2]; len++) {
        code = code << 1 | get_bits(1);
        unsigned count = ksyms_lens[len];
        if (code < count)
            return index + code;
        index += count;
        code -= count;
    }
    return 0;                           /* the generator checked every code */
}

/* Decodes the next name into name_buf, an explicit stack standing for the
 * recursion into token pairs, up to the character 0 that ends it. */
static void decode_name(void)
{
    uint8_t stack[KSYMS_DEPTH + 2];
    size_t n = 0;
    for (;;) {
        int sp = 0;
        stack[sp++] = (uint8_t)read_symbol();
        while (sp > 0) {
            const uint8_t *e = &ksyms_table[2 * stack[--sp]];
            if (e[0] != KSYMS_CHAR) {
                if (sp + 2 <= (int)sizeof stack) {
                    stack[sp++] = e[1];
                    stack[sp++] = e[0];
                }
            } else if (!e[1]) {
                name_buf[n] = '\0';
                return;
            } else if (e[1] <= ksyms_params[1]) {
                n = e[1] + 1u;          /* copy code; the generator keeps M + 1 < 128 */
            } else if (n + 1 < sizeof name_buf) {
                name_buf[n++] = (char)e[1];
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
    bit_pos = 0;
    uint64_t at = (uint64_t)(uintptr_t)__text_start;
    uint32_t i;
    for (i = 0; i < ksyms_count; i++) {
        uint64_t next = at + read_distance();
        if (next > addr)
            break;
        at = next;
        decode_name();
    }
    if (!i)
        return NULL;
    *offset = addr - at;
    return name_buf;
}
