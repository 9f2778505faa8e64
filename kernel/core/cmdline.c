/* Kernel command-line parser (see kernel/core/cmdline.h for the syntax).
 *
 * Pure and freestanding: it only reads the string and the option table and
 * writes through the options' dst pointers, so the same file runs in the
 * kernel and in tests/unit/test_cmdline.c. A bad token never stops the boot:
 * it is reported once through err() and skipped, and the value it named is
 * left untouched. */
#include "kernel/core/cmdline.h"

#include <stdarg.h>

#include "lib/fmt.h"

LINKSET_DEFINE(struct cmdline_opt, cmdline_opts);

/* Longest message handed to err(), and how much of a user-supplied token
 * is quoted in it: enough to recognise it, short enough for one log line. */
#define CMDLINE_MSG_MAX   256
#define CMDLINE_QUOTE_MAX 48

/* One token as scanned. text/text_len is the token as written (quotes
 * included), used in messages; val excludes the quotes. */
struct cmdline_tok {
    const char *text;
    size_t text_len;
    const char *key;
    size_t key_len;
    const char *val;
    size_t val_len;
    bool has_val;
};

enum { TOK_OK, TOK_UNTERMINATED, TOK_AFTER_QUOTE, TOK_TOO_LONG };

struct cmdline_ctx {
    void (*err)(const char *msg);
    int problems;
};

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Whether the n chars at s spell exactly the NUL-terminated word. */
static bool span_is(const char *s, size_t n, const char *word)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (word[i] != s[i])    /* also stops at word's NUL */
            return false;
    return word[n] == '\0';
}

/* Counts one problem and hands err() a message made of "cmdline: ", the
 * formatted text and " (ignored)". */
static void report(struct cmdline_ctx *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void report(struct cmdline_ctx *c, const char *fmt, ...)
{
    char msg[CMDLINE_MSG_MAX];
    va_list ap;
    c->problems++;
    if (!c->err)
        return;
    int n = fmt_snprintf(msg, sizeof msg, "cmdline: ");
    va_start(ap, fmt);
    n += fmt_vsnprintf(msg + n, sizeof msg - (size_t)n, fmt, ap);
    va_end(ap);
    if ((size_t)n < sizeof msg)
        fmt_snprintf(msg + n, sizeof msg - (size_t)n, " (ignored)");
    c->err(msg);
}

/* "%.*s%s" arguments quoting at most CMDLINE_QUOTE_MAX chars of s, with
 * "..." appended when cut. */
#define QUOTE(s, n)                                                             \
    (int)((n) > CMDLINE_QUOTE_MAX ? CMDLINE_QUOTE_MAX : (n)), (s),              \
    ((n) > CMDLINE_QUOTE_MAX ? "..." : "")

/* Reports a problem with a whole token: "cmdline: key=value: <why>". */
#define report_tok(c, t, why, ...)                                              \
    report((c), "%.*s%s: " why, QUOTE((t)->text, (t)->text_len), ##__VA_ARGS__)

/* Scans a double-quoted value starting at the opening quote. */
static const char *scan_quoted(const char *p, struct cmdline_tok *t, int *st)
{
    t->val = ++p;
    while (*p && *p != '"')
        p++;
    if (!*p) {
        *st = TOK_UNTERMINATED;
        return p;
    }
    t->val_len = (size_t)(p - t->val);
    p++;
    if (*p && !is_space(*p)) {
        /* key="a"b: reject rather than guess what was meant. */
        *st = TOK_AFTER_QUOTE;
        while (*p && !is_space(*p))
            p++;
    }
    return p;
}

/* Scans the token at p (not whitespace, not NUL) into t. Returns the end of
 * the token; *st says whether it is usable. */
static const char *scan_token(const char *p, struct cmdline_tok *t, int *st)
{
    *st = TOK_OK;
    t->text = t->key = p;
    while (*p && !is_space(*p) && *p != '=')
        p++;
    t->key_len = (size_t)(p - t->key);
    t->has_val = (*p == '=');
    t->val = NULL;
    t->val_len = 0;
    if (t->has_val) {
        p++;
        if (*p == '"') {
            p = scan_quoted(p, t, st);
        } else {
            t->val = p;
            while (*p && !is_space(*p))
                p++;
            t->val_len = (size_t)(p - t->val);
        }
    }
    t->text_len = (size_t)(p - t->text);
    if (*st == TOK_OK && t->text_len > CMDLINE_TOKEN_MAX)
        *st = TOK_TOO_LONG;
    return p;
}

/* Parses a number: decimal or 0x hex, optional K/M/G suffix (powers of
 * 1024). Returns 0 on success, -1 if not a number, -2 if it overflows. */
static int parse_u64(const char *s, size_t n, uint64_t *out)
{
    unsigned base = 10, shift = 0;
    uint64_t v = 0;
    size_t i = 0;
    if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        i = 2;
    }
    if (n > i) {
        switch (s[n - 1]) {
        case 'K': case 'k': shift = 10; n--; break;
        case 'M': case 'm': shift = 20; n--; break;
        case 'G': case 'g': shift = 30; n--; break;
        }
    }
    if (i == n)
        return -1;      /* no digits: "", "0x", "K" */
    for (; i < n; i++) {
        char c = s[i];
        unsigned d;
        if (c >= '0' && c <= '9')
            d = (unsigned)(c - '0');
        else if (base == 16 && (c | 0x20) >= 'a' && (c | 0x20) <= 'f')
            d = (unsigned)((c | 0x20) - 'a' + 10);
        else
            return -1;
        if (v > (UINT64_MAX - d) / base)
            return -2;
        v = v * base + d;
    }
    if (v > (UINT64_MAX >> shift))
        return -2;
    *out = v << shift;
    return 0;
}

static void set_bool(struct cmdline_ctx *c, const struct cmdline_opt *o,
                     const struct cmdline_tok *t)
{
    static const char *const yes[] = { "1", "on", "yes", "true" };
    static const char *const no[] = { "0", "off", "no", "false" };
    size_t i;
    if (!t->has_val) {
        *(bool *)o->dst = true;
        return;
    }
    for (i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        if (span_is(t->val, t->val_len, yes[i])) {
            *(bool *)o->dst = true;
            return;
        }
        if (span_is(t->val, t->val_len, no[i])) {
            *(bool *)o->dst = false;
            return;
        }
    }
    report_tok(c, t, "not a boolean (use 1/0, on/off, yes/no, true/false)");
}

/* Largest value a UINT destination of dst_size bytes can hold. */
static uint64_t uint_dst_max(size_t dst_size)
{
    switch (dst_size) {
    case 1: return UINT8_MAX;
    case 2: return UINT16_MAX;
    case 4: return UINT32_MAX;
    default: return UINT64_MAX;
    }
}

static void store_uint(void *dst, size_t dst_size, uint64_t v)
{
    switch (dst_size) {
    case 1: *(uint8_t *)dst = (uint8_t)v; break;
    case 2: *(uint16_t *)dst = (uint16_t)v; break;
    case 4: *(uint32_t *)dst = (uint32_t)v; break;
    default: *(uint64_t *)dst = v; break;
    }
}

static void set_uint(struct cmdline_ctx *c, const struct cmdline_opt *o,
                     const struct cmdline_tok *t)
{
    uint64_t v = 0;
    uint64_t max = o->max < uint_dst_max(o->dst_size)
                   ? o->max : uint_dst_max(o->dst_size);
    int r = parse_u64(t->val, t->val_len, &v);
    if (r == -1) {
        report_tok(c, t, "not a number");
        return;
    }
    if (r == -2) {
        report_tok(c, t, "number too large");
        return;
    }
    if (v < o->min || v > max) {
        report_tok(c, t, "out of range %llu..%llu",
                   (unsigned long long)o->min, (unsigned long long)max);
        return;
    }
    store_uint(o->dst, o->dst_size, v);
}

static void set_str(struct cmdline_ctx *c, const struct cmdline_opt *o,
                    const struct cmdline_tok *t)
{
    char *dst = o->dst;
    size_t i;
    /* Checked before writing anything, so a long value leaves dst as is. */
    if (t->val_len >= o->dst_size) {
        report_tok(c, t, "value too long (max %zu chars)",
                   (size_t)(o->dst_size ? o->dst_size - 1 : 0));
        return;
    }
    for (i = 0; i < t->val_len; i++)
        dst[i] = t->val[i];
    dst[i] = '\0';
}

/* Writes "a|b|c" (the choices of an ENUM option) into buf. */
static void list_choices(const struct cmdline_opt *o, char *buf, size_t size)
{
    size_t n = 0;
    int i;
    buf[0] = '\0';
    for (i = 0; o->choices[i] && n < size; i++)
        n += (size_t)fmt_snprintf(buf + n, size - n, "%s%s",
                                  i ? "|" : "", o->choices[i]);
}

static void set_enum(struct cmdline_ctx *c, const struct cmdline_opt *o,
                     const struct cmdline_tok *t)
{
    char list[CMDLINE_MSG_MAX / 2];
    int i;
    for (i = 0; o->choices && o->choices[i]; i++) {
        if (span_is(t->val, t->val_len, o->choices[i])) {
            *(int *)o->dst = i;
            return;
        }
    }
    if (o->choices)
        list_choices(o, list, sizeof list);
    else
        list[0] = '\0';
    report_tok(c, t, "unknown choice (expected %s)", list);
}

static const struct cmdline_opt *find_opt(const struct cmdline_opt *opts,
                                          size_t nopts,
                                          const struct cmdline_tok *t)
{
    size_t i;
    for (i = 0; i < nopts; i++)
        if (opts[i].key && span_is(t->key, t->key_len, opts[i].key))
            return &opts[i];
    return NULL;
}

/* Applies one well-formed token. */
static void apply(struct cmdline_ctx *c, const struct cmdline_opt *opts,
                  size_t nopts, const struct cmdline_tok *t)
{
    const struct cmdline_opt *o = find_opt(opts, nopts, t);
    if (!o) {
        report(c, "unknown option '%.*s%s'", QUOTE(t->key, t->key_len));
        return;
    }
    if (o->type == CMDLINE_BOOL) {
        set_bool(c, o, t);
        return;
    }
    /* Only STR may be empty ("key=" or key=""); a bare key never works. */
    if (!t->has_val || (t->val_len == 0 && o->type != CMDLINE_STR)) {
        report_tok(c, t, "missing value");
        return;
    }
    if (o->type == CMDLINE_UINT)
        set_uint(c, o, t);
    else if (o->type == CMDLINE_STR)
        set_str(c, o, t);
    else
        set_enum(c, o, t);
}

int cmdline_parse(const char *cmdline, const struct cmdline_opt *opts,
                  size_t nopts, void (*err)(const char *msg))
{
    struct cmdline_ctx c = { err, 0 };
    const char *p = cmdline ? cmdline : "";
    for (;;) {
        struct cmdline_tok t;
        int st;
        while (is_space(*p))
            p++;
        if (!*p)
            break;
        p = scan_token(p, &t, &st);
        if (st == TOK_UNTERMINATED)
            report_tok(&c, &t, "unterminated quote");
        else if (st == TOK_AFTER_QUOTE)
            report_tok(&c, &t, "text after closing quote");
        else if (st == TOK_TOO_LONG)
            report(&c, "option '%.*s%s' too long (max %d chars)",
                   QUOTE(t.text, t.text_len), CMDLINE_TOKEN_MAX);
        else
            apply(&c, opts, nopts, &t);
    }
    return c.problems;
}
