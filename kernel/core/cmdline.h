/* Kernel command line: `key=value key2 key3="quoted value"`.
 *
 * Tokens are separated by whitespace (space, tab, CR, LF). A value may be
 * double-quoted to contain whitespace; the quote must open right after the
 * '=' and close at the end of the token. A bare `key` sets a BOOL option to
 * true. Options are plain data: kernel code declares them where they are
 * used with CMDLINE_OPTION(), which adds them to the cmdline_opts linker
 * set (kernel/linkset.h), and boot hands the whole set to cmdline_parse():
 *
 *     static uint64_t heap_size = 16 << 20;
 *     CMDLINE_OPTION(heap, .key = "heap", .type = CMDLINE_UINT,
 *                    .dst = &heap_size, .min = 1 << 20, .max = 1ull << 32,
 *                    .help = "heap size in bytes (K/M/G suffix allowed)");
 *
 * The parser itself is pure (no globals, no libc) and is unit-tested on the
 * host (tests/unit/test_cmdline.c). */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "kernel/linkset.h"

/* Longest token (key=value as written, quotes included) that is accepted;
 * anything longer is reported and skipped. */
#define CMDLINE_TOKEN_MAX 1024

enum cmdline_type {
    CMDLINE_BOOL,   /* bare key, or =1/0 on/off yes/no true/false */
    CMDLINE_UINT,   /* decimal or 0x hex, optional K/M/G (x1024^n) suffix */
    CMDLINE_STR,    /* copied NUL-terminated; key= sets "" */
    CMDLINE_ENUM,   /* one of choices[], stored as its index */
};

struct cmdline_opt {
    const char *key;
    /* BOOL: bool *; UINT: uint64_t * (see dst_size); STR: char[dst_size];
     * ENUM: int * receiving the index into choices. */
    void *dst;
    const char *const *choices;     /* ENUM: NULL-terminated list */
    uint64_t min, max;              /* UINT: accepted range, inclusive */
    const char *help;               /* one line for docs/help */
    enum cmdline_type type;
    /* STR: size of the buffer, NUL included.
     * UINT: 0 or 8 for a uint64_t; 4, 2 or 1 for a narrower unsigned (or
     * int) variable -- values that do not fit are rejected as out of range.
     * (32 bits, after the 4-byte type: entries are 56 bytes, not 64.) */
    uint32_t dst_size;
};

/* Parses cmdline (NULL is treated as empty), applying every recognised
 * option in order, so a later occurrence of a key wins. Nothing is written
 * for a rejected value. Each problem (unknown key, missing value, bad
 * number, out of range, value too long, unknown enum choice, unterminated
 * quote, text after a closing quote, token too long) is reported once
 * through err(msg) (err may be NULL), e.g.
 *     cmdline: unknown option 'foo' (ignored)
 *     cmdline: loglevel=abc: not a number (ignored)
 * and parsing goes on with the next token. Returns the number of problems. */
int cmdline_parse(const char *cmdline, const struct cmdline_opt *opts,
                  size_t nopts, void (*err)(const char *msg));

/* Registers an option in the cmdline_opts linker set (kernel/linkset.h); the
 * fields are given as designated initialisers. Usable in hosted builds too
 * (the entry is then simply unused). */
#define CMDLINE_OPTION(name_, ...)                                              \
    static const struct cmdline_opt cmdline_opt_##name_                        \
        LINKSET_ENTRY(cmdline_opts) = { __VA_ARGS__ }

/* The section is walked as an array, so entries must pack without gaps. */
_Static_assert(sizeof(struct cmdline_opt) % 8 == 0, "cmdline_opt stride");

LINKSET_DECLARE(struct cmdline_opt, cmdline_opts);
