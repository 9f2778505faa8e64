/* Host unit tests for lib/fmt.c.
 *
 * Most tests compare fmt_snprintf with the host's (glibc) snprintf over
 * generated tables: every flag set x widths x precisions x length modifiers
 * x conversions x extreme values. A few tests cover where minnow differs on
 * purpose (NULL %s, unknown conversions) and the truncation contract.
 *
 * Build: gcc -std=gnu11 -Wall -Wextra -Werror -g -O1
 *        -fsanitize=address,undefined -fno-sanitize-recover=all -DHOSTED
 *        -I. tests/unit/test_main.c tests/unit/test_fmt.c lib/fmt.c */
#include <limits.h>
#include <stddef.h>

#include "lib/fmt.h"
#include "lib/strlist.h"
#include "tests/unit/test.h"

/* Some formats below are odd on purpose ("%5%", flags that C leaves
 * undefined for %s and %p, unknown conversions); gcc checks both
 * snprintf and fmt_snprintf through the format attribute. */
#pragma GCC diagnostic ignored "-Wformat"
#pragma GCC diagnostic ignored "-Wformat-extra-args"
#pragma GCC diagnostic ignored "-Wformat-zero-length"
#ifndef __clang__
#pragma GCC diagnostic ignored "-Wformat-truncation"
#pragma GCC diagnostic ignored "-Wformat-overflow"
#endif

#define OUT_MAX 512

/* Mismatches are counted per test; only the first few are printed so a
 * systematic bug does not bury the log. */
static int mismatches;

static void report_mismatch(int line, const char *what, const char *want,
                            int wn, const char *got, int gn)
{
    char msg[OUT_MAX * 3];
    if (++mismatches > 10)
        return;
    snprintf(msg, sizeof msg, "%s: host \"%s\" (%d) != ours \"%s\" (%d)",
             what, want, wn, got, gn);
    test_fail(__FILE__, line, msg);
}

/* Compares both outputs byte for byte (a %c of NUL may be embedded), the
 * terminating NUL included, and both return values. */
static void same(int line, const char *what, const char *want, int wn,
                 const char *got, int gn)
{
    size_t n = (wn >= 0 && wn < OUT_MAX) ? (size_t)wn + 1 : OUT_MAX;
    if (wn != gn || memcmp(want, got, n) != 0)
        report_mismatch(line, what, want, wn, got, gn);
}

/* CMP(fmt, args...): formats with both and compares. */
#define CMP(...) do {                                                           \
        char w_[OUT_MAX], g_[OUT_MAX];                                          \
        memset(w_, 0x55, sizeof w_);                                            \
        memset(g_, 0x55, sizeof g_);                                            \
        int wn_ = snprintf(w_, sizeof w_, __VA_ARGS__);                         \
        int gn_ = fmt_snprintf(g_, sizeof g_, __VA_ARGS__);                     \
        same(__LINE__, #__VA_ARGS__, w_, wn_, g_, gn_);                         \
    } while (0)

/* Same with a format built at run time; what names it in failures. */
#define CMP_RT(what, ...) do {                                                  \
        char w_[OUT_MAX], g_[OUT_MAX];                                          \
        memset(w_, 0x55, sizeof w_);                                            \
        memset(g_, 0x55, sizeof g_);                                            \
        int wn_ = snprintf(w_, sizeof w_, __VA_ARGS__);                         \
        int gn_ = fmt_snprintf(g_, sizeof g_, __VA_ARGS__);                     \
        same(__LINE__, (what), w_, wn_, g_, gn_);                               \
    } while (0)

/* Ours alone against an expected string and length. */
#define EXPECT(want, ...) do {                                                  \
        char g_[OUT_MAX];                                                       \
        int gn_ = fmt_snprintf(g_, sizeof g_, __VA_ARGS__);                     \
        CHECK_STR(g_, want);                                                    \
        CHECK_EQ(gn_, (int)strlen(want));                                       \
    } while (0)

static const char *const flag_sets[] = {
    "", "-", "0", "-0", "+", "-+", "0+", "-0+", " ", "- ", "0 ", "-0 ",
    "+ ", "-+ ", "0+ ", "-0+ ", "#", "-#", "0#", "-0#", "+#", "-+#", "0+#",
    "-0+#", " #", "- #", "0 #", "-0 #", "+ #", "-+ #", "0+ #", "-0+ #",
};
static const char *const widths[] = { "", "1", "5", "25" };
static const char *const precs[] = { "", ".", ".0", ".1", ".5", ".25" };

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Integer values covering zero, small, sign and every type boundary. */
static const unsigned long long int_values[] = {
    0, 1, 7, 8, 42, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000,
    INT_MAX, (unsigned long long)INT_MIN, UINT_MAX, 0x100000000ull,
    LLONG_MAX, (unsigned long long)LLONG_MIN, ULLONG_MAX, -1ull, -42ull,
    -128ull, -129ull, 0x123456789abcdefull,
};

enum len { L_NONE, L_HH, L_H, L_L, L_LL, L_Z, L_T, L_J };
static const char *const len_names[] = { "", "hh", "h", "l", "ll", "z", "t", "j" };

/* Formats v with format f, passing it as the type f's length modifier and
 * conversion expect (value converted modulo 2^n as C does). */
static void cmp_int(const char *f, enum len len, bool sgn, unsigned long long v)
{
    char what[96];
    snprintf(what, sizeof what, "\"%s\" with 0x%llx", f, v);
    switch (len) {
    case L_NONE: case L_HH: case L_H:
        /* hh/h still take a promoted int; pass all of it so the
         * conversion has to truncate. */
        if (sgn) CMP_RT(what, f, (int)v); else CMP_RT(what, f, (unsigned)v);
        break;
    case L_L:
        if (sgn) CMP_RT(what, f, (long)v); else CMP_RT(what, f, (unsigned long)v);
        break;
    case L_LL:
        if (sgn) CMP_RT(what, f, (long long)v); else CMP_RT(what, f, v);
        break;
    case L_Z:
        CMP_RT(what, f, (size_t)v);
        break;
    case L_T:
        CMP_RT(what, f, (ptrdiff_t)v);
        break;
    case L_J:
        if (sgn) CMP_RT(what, f, (intmax_t)v); else CMP_RT(what, f, (uintmax_t)v);
        break;
    }
}

/* Runs every flags x width x precision combination of "%...<len><conv>"
 * over every value. */
static void int_table(enum len len, char conv)
{
    bool sgn = (conv == 'd' || conv == 'i');
    for (size_t fl = 0; fl < N(flag_sets); fl++)
        for (size_t w = 0; w < N(widths); w++)
            for (size_t p = 0; p < N(precs); p++) {
                char f[48];
                snprintf(f, sizeof f, "[%%%s%s%s%s%c]", flag_sets[fl],
                         widths[w], precs[p], len_names[len], conv);
                for (size_t v = 0; v < N(int_values); v++)
                    cmp_int(f, len, sgn, int_values[v]);
            }
}

TEST(int_conversions_match_host)
{
    static const char convs[] = "diuoxX";
    mismatches = 0;
    for (int len = L_NONE; len <= L_J; len++)
        for (const char *c = convs; *c; c++)
            int_table((enum len)len, *c);
    CHECK_EQ(mismatches, 0);
}

TEST(int_extremes)
{
    CMP("%d %d %i", INT_MIN, INT_MAX, -1);
    CMP("%ld %ld", LONG_MIN, LONG_MAX);
    CMP("%lld %lld %llu", LLONG_MIN, LLONG_MAX, ULLONG_MAX);
    CMP("%jd %ju", INTMAX_MIN, UINTMAX_MAX);
    CMP("%hhd %hhu %hd %hu", 300, 300, 70000, 70000);
    CMP("%hhd %hd", -129, -32769);
    CMP("%llo %llx %llX", ULLONG_MAX, ULLONG_MAX, ULLONG_MAX);
    CMP("%#llo %#llx %#llX", ULLONG_MAX, ULLONG_MAX, ULLONG_MAX);
    CMP("%zu %zx %zd", (size_t)-1, (size_t)-1, (size_t)-1);
    CMP("%td %tx", (ptrdiff_t)PTRDIFF_MIN, (ptrdiff_t)-1);
    CMP("%+.0d|% .0d|%.0d|%5.0d|%-5.0d|", 0, 0, 0, 0, 0);
    CMP("%#.0o|%#.0x|%#o|%#x|%#5.3o|%#08x|%#-8X|", 0, 0, 0, 0, 8, 255, 255);
    CMP("%#.3o|%#.3o|%#5o|%#05o", 8, 01234, 0, 7);
    CMP("%030lld|%-30lld|%+030lld", LLONG_MIN, LLONG_MIN, LLONG_MAX);
    CMP("%.30llu|%40.30llx", ULLONG_MAX, ULLONG_MAX);
}

/* '*' width and precision, including negative values: a negative width
 * means '-' plus its magnitude, a negative precision means none. */
TEST(star_width_and_precision)
{
    static const int vals[] = { 0, 1, -1, 12345, INT_MIN, INT_MAX };
    mismatches = 0;
    for (int w = -30; w <= 30; w += 3)
        for (int p = -4; p <= 25; p += 2)
            for (size_t v = 0; v < N(vals); v++) {
                CMP("[%*.*d]", w, p, vals[v]);
                CMP("[%0*.*x]", w, p, vals[v]);
                CMP("[%-*.*X]", w, p, vals[v]);
                CMP("[%0*d]", w, vals[v]);
                CMP("[%+*d]", w, vals[v]);
                CMP("[%.*o]", p, vals[v]);
                CMP("[%*.*s]", w, p, "hello, world");
                CMP("[%*c]", w, 'q');
            }
    CMP("[%*d|%*s|%d]", 4, 1, -6, "ab", 99);
    CHECK_EQ(mismatches, 0);
}

TEST(strings_match_host)
{
    static const char *const strs[] = { "", "a", "hello", "hello, world!!",
                                        "a somewhat longer string, 40 chars.." };
    mismatches = 0;
    for (size_t fl = 0; fl < N(flag_sets); fl++)
        for (size_t w = 0; w < N(widths); w++)
            for (size_t p = 0; p < N(precs); p++) {
                char f[48];
                snprintf(f, sizeof f, "[%%%s%s%ss]", flag_sets[fl],
                         widths[w], precs[p]);
                for (size_t s = 0; s < N(strs); s++)
                    CMP_RT(f, f, strs[s]);
            }
    CHECK_EQ(mismatches, 0);
}

TEST(chars_match_host)
{
    static const int chars[] = { 'a', 'Z', ' ', '%', 0x7f, 0xff, 0x141, 0 };
    mismatches = 0;
    for (size_t fl = 0; fl < N(flag_sets); fl++)
        for (size_t w = 0; w < N(widths); w++)
            for (size_t p = 0; p < N(precs); p++) {
                char f[48];
                snprintf(f, sizeof f, "[%%%s%s%sc]", flag_sets[fl],
                         widths[w], precs[p]);
                for (size_t c = 0; c < N(chars); c++)
                    CMP_RT(f, f, chars[c]);
            }
    CHECK_EQ(mismatches, 0);
}

/* %p follows glibc: "(nil)" for NULL, else %#lx with sign flags, '0' and
 * precision honoured. */
TEST(pointers_match_host)
{
    static void *const ptrs[] = { NULL, (void *)1, (void *)0x1234abcd,
                                  (void *)0xffff800000001000ull, (void *)~0ull };
    mismatches = 0;
    for (size_t fl = 0; fl < N(flag_sets); fl++)
        for (size_t w = 0; w < N(widths); w++)
            for (size_t p = 0; p < N(precs); p++) {
                char f[48];
                snprintf(f, sizeof f, "[%%%s%s%sp]", flag_sets[fl],
                         widths[w], precs[p]);
                for (size_t i = 0; i < N(ptrs); i++)
                    CMP_RT(f, f, ptrs[i]);
            }
    CMP("%p %p", (void *)&mismatches, (void *)int_table);
    CHECK_EQ(mismatches, 0);
}

TEST(mixed_arguments_and_percent)
{
    mismatches = 0;
    CMP("");
    CMP("plain text, no conversions");
    CMP("100%% sure %%d");
    /* glibc ignores flags and width on %% too (ASan's printf checker
     * warns about that format, so it is checked against ours alone). */
    EXPECT("%|%|%", "%5%|%-5%|%05%");
    CMP("%d %s %c %x %p %lld %zu %hhx %% %ju %o", -5, "str", 'c', 0xbeef,
        (void *)0x1000, -1234567890123ll, (size_t)42, 0x1ff, UINTMAX_MAX, 8);
    CMP("%s=%d; %s=%d; %s=%d", "a", 1, "bb", 22, "ccc", 333);
    CMP("%-10s|%10s|%-3d|%03d|", "left", "right", 7, 7);
    CHECK_EQ(mismatches, 0);
}

/* A va_list handed through another variadic layer, as kvprintf does. */
static int wrap(char *buf, size_t size, const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    int n = fmt_vsnprintf(buf, size, f, ap);
    va_end(ap);
    return n;
}

TEST(vsnprintf_through_wrapper)
{
    char buf[64];
    CHECK_EQ(wrap(buf, sizeof buf, "%s-%d-%lx", "x", -3, 0xabcul), 8);
    CHECK_STR(buf, "x--3-abc");
}

/* Where minnow deliberately differs from (or goes beyond) glibc. */
TEST(null_string)
{
    EXPECT("(null)", "%s", (char *)NULL);
    EXPECT("[    (null)]", "[%10s]", (char *)NULL);
    EXPECT("[(null)    ]", "[%-10s]", (char *)NULL);
    /* Precision cuts "(null)" like any string (glibc prints nothing). */
    EXPECT("[(nu]", "[%.3s]", (char *)NULL);
    EXPECT("[(nil)]", "[%p]", NULL);
}

TEST(unknown_conversion_printed_literally)
{
    EXPECT("%y", "%y");
    EXPECT("a %y b", "a %y b");
    EXPECT("%5y", "%5y");
    EXPECT("%-08.3lly|7", "%-08.3lly|%d", 7);
    EXPECT("%n", "%n");             /* no writes through %n, ever */
    EXPECT("%f", "%f");             /* no floating point */
    EXPECT("%L", "%L");
    EXPECT("%q 1", "%q %d", 1);
    /* A format ending inside a conversion. */
    EXPECT("%", "%");
    EXPECT("abc%", "abc%");
    EXPECT("%-5", "%-5");
    EXPECT("%l", "%l");
    EXPECT("%hh", "%hh");
    EXPECT("%.", "%.");
    /* '*' consumes its int even when the conversion turns out unknown. */
    EXPECT("%*y 2", "%*y %d", 1, 2);
}

TEST(huge_digit_width_saturates)
{
    /* A precision larger than INT_MAX saturates instead of overflowing;
     * with size 0 nothing is written, so this is quick to check... */
    char c = 'x';
    CHECK_EQ(fmt_snprintf(&c, 0, "%.99999999999999999999s", "abc"), 3);
    CHECK_EQ(c, 'x');
}

/* Truncation: compare every buffer size from 0 to past the full length
 * with the host, in buffers of exactly that size (ASan catches any write
 * past the end) and a canary check on the bytes after the NUL. */
static void trunc_case(int line, const char *what, const char *f, ...)
{
    va_list ap, aq;
    va_start(ap, f);
    va_copy(aq, ap);
    char full[OUT_MAX];
    int len = vsnprintf(full, sizeof full, f, aq);
    va_end(aq);
    for (size_t size = 0; size <= (size_t)len + 2; size++) {
        char *w = size ? malloc(size) : NULL, *g = size ? malloc(size) : NULL;
        if (size) { memset(w, 0x55, size); memset(g, 0x55, size); }
        va_copy(aq, ap);
        int wn = vsnprintf(w, size, f, aq);
        va_end(aq);
        va_copy(aq, ap);
        int gn = fmt_vsnprintf(g, size, f, aq);
        va_end(aq);
        if (wn != gn || (size && memcmp(w, g, size) != 0))
            report_mismatch(line, what, size ? w : "", wn, size ? g : "", gn);
        free(w);
        free(g);
    }
    va_end(ap);
}

#define TRUNC(...) trunc_case(__LINE__, #__VA_ARGS__, __VA_ARGS__)

TEST(truncation)
{
    mismatches = 0;
    TRUNC("");
    TRUNC("hello");
    TRUNC("%d", -123456);
    TRUNC("[%10s]", "pad");
    TRUNC("[%-10s]", "pad");
    TRUNC("%#018llx|%+.20d", 0xdeadbeefull, 5);
    TRUNC("%s and %s", "one string", "another");
    TRUNC("%c%c%c", 'a', 0, 'b');
    TRUNC("%p %%", (void *)0x1234);
    CHECK_EQ(mismatches, 0);

    /* The explicit contract, independently of the host. */
    char buf[8];
    CHECK_EQ(fmt_snprintf(NULL, 0, "%d", 12345), 5);
    memset(buf, 'x', sizeof buf);
    CHECK_EQ(fmt_snprintf(buf, 1, "%d", 12345), 5);
    CHECK_EQ(buf[0], '\0');
    CHECK_EQ(buf[1], 'x');
    memset(buf, 'x', sizeof buf);
    CHECK_EQ(fmt_snprintf(buf, 5, "%d", 12345), 5);   /* exact length */
    CHECK_STR(buf, "1234");
    CHECK_EQ(buf[5], 'x');
    CHECK_EQ(fmt_snprintf(buf, 6, "%d", 12345), 5);   /* length + NUL */
    CHECK_STR(buf, "12345");
}

/* lib/strlist.h: the n-th name of a "a\0b\0c" list, empty names included. */
TEST(strlist_nth_walks_the_names)
{
    static const char list[] = "INVALID\0\0OFFER\0x";
    CHECK_STR(strlist_nth(list, 0), "INVALID");
    CHECK_STR(strlist_nth(list, 1), "");
    CHECK_STR(strlist_nth(list, 2), "OFFER");
    CHECK_STR(strlist_nth(list, 3), "x");
    CHECK(strlist_nth(list, 3) == list + sizeof list - 2);
}
