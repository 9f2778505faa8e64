/* printf-style formatting into a buffer (see lib/fmt.h).
 *
 * Freestanding: no libc, no floating point, so it links into the kernel
 * (built with -mgeneral-regs-only) and into the host unit tests unchanged.
 * tests/unit/test_fmt.c checks it against the host's snprintf.
 *
 * Behaviour follows C99/glibc for every supported conversion, including the
 * glibc extensions that are handy in a kernel log:
 *   %p     NULL prints "(nil)"; otherwise 0x + lowercase hex, and like glibc
 *          the '+', ' ', '0' flags and a precision apply to it as to %#lx.
 *   %s     NULL prints as if the argument were "(null)" (precision applies
 *          to it like to any string; glibc prints nothing when it cuts).
 * Where we differ on purpose:
 *   - an unknown or incomplete conversion is copied to the output verbatim,
 *     from the '%' up to and including the offending character ("%5y" prints
 *     "%5y"), so a typo in a format string shows up in the log instead of
 *     silently eating arguments; any '*' in it has already consumed an int;
 *   - widths and precisions written as digits saturate at INT_MAX instead of
 *     overflowing; if the total length exceeds INT_MAX we return -1. */
#include "lib/fmt.h"
#include "lib/strlist.h"

#include <limits.h>
#include <stdint.h>

/* Output sink. len counts every character produced, stored or not, so the
 * return value is the untruncated length as C99 requires. */
struct fmt_out {
    char *buf;
    size_t size;
    size_t len;
};

/* One parsed conversion specification. */
struct fmt_spec {
    unsigned flags;     /* FMT_F_* */
    int width;          /* minimum field width, >= 0 */
    int prec;           /* precision, -1 when absent */
    int length;         /* FMT_LEN_* */
    char conv;          /* conversion character, 0 if the format ended */
};

#define FMT_F_LEFT  0x01u   /* '-' */
#define FMT_F_ZERO  0x02u   /* '0' */
#define FMT_F_PLUS  0x04u   /* '+' */
#define FMT_F_SPACE 0x08u   /* ' ' */
#define FMT_F_ALT   0x10u   /* '#' */

enum { FMT_LEN_NONE, FMT_LEN_HH, FMT_LEN_H, FMT_LEN_L, FMT_LEN_LL,
       FMT_LEN_Z, FMT_LEN_T, FMT_LEN_J };

static void out_char(struct fmt_out *o, char c)
{
    /* Keep the last byte for the terminating NUL. With size 0 nothing is
     * ever stored, so buf may be NULL. */
    if (o->len + 1 < o->size)
        o->buf[o->len] = c;
    o->len++;
}

static void out_repeat(struct fmt_out *o, char c, long n)
{
    while (n-- > 0)
        out_char(o, c);
}

static void out_mem(struct fmt_out *o, const char *s, size_t n)
{
    while (n--)
        out_char(o, *s++);
}

/* Parses a run of decimal digits, saturating at INT_MAX. */
static int parse_uint(const char **pp)
{
    const char *p = *pp;
    int v = 0;
    while (*p >= '0' && *p <= '9') {
        int d = *p++ - '0';
        v = (v > (INT_MAX - d) / 10) ? INT_MAX : v * 10 + d;
    }
    *pp = p;
    return v;
}

static unsigned flag_bit(char c)
{
    switch (c) {
    case '-': return FMT_F_LEFT;
    case '0': return FMT_F_ZERO;
    case '+': return FMT_F_PLUS;
    case ' ': return FMT_F_SPACE;
    case '#': return FMT_F_ALT;
    default:  return 0;
    }
}

/* Width: digits, or '*' taking an int where a negative value means the '-'
 * flag plus its magnitude (C99 7.19.6.1p5). */
static const char *parse_width(const char *p, struct fmt_spec *s, va_list *ap)
{
    if (*p != '*') {
        s->width = parse_uint(&p);
        return p;
    }
    int w = va_arg(*ap, int);
    if (w < 0) {
        s->flags |= FMT_F_LEFT;
        /* -INT_MIN does not fit in an int. */
        w = (w == INT_MIN) ? INT_MAX : -w;
    }
    s->width = w;
    return p + 1;
}

/* Precision: '.' then digits or '*'; '.' alone means 0, and a negative '*'
 * value means "no precision" (C99 7.19.6.1p5). */
static const char *parse_prec(const char *p, struct fmt_spec *s, va_list *ap)
{
    s->prec = -1;
    if (*p != '.')
        return p;
    p++;
    if (*p == '*') {
        int v = va_arg(*ap, int);
        s->prec = v < 0 ? -1 : v;
        return p + 1;
    }
    s->prec = parse_uint(&p);
    return p;
}

static const char *parse_length(const char *p, struct fmt_spec *s)
{
    s->length = FMT_LEN_NONE;
    switch (*p) {
    case 'h':
        if (p[1] == 'h') { s->length = FMT_LEN_HH; return p + 2; }
        s->length = FMT_LEN_H;
        return p + 1;
    case 'l':
        if (p[1] == 'l') { s->length = FMT_LEN_LL; return p + 2; }
        s->length = FMT_LEN_L;
        return p + 1;
    case 'z': s->length = FMT_LEN_Z; return p + 1;
    case 't': s->length = FMT_LEN_T; return p + 1;
    case 'j': s->length = FMT_LEN_J; return p + 1;
    default:  return p;
    }
}

/* Parses the specification after a '%'. Returns a pointer just past the
 * conversion character, or to the terminating NUL (then s->conv is 0). */
static const char *parse_spec(const char *p, struct fmt_spec *s, va_list *ap)
{
    unsigned bit;
    s->flags = 0;
    while ((bit = flag_bit(*p)) != 0) {
        s->flags |= bit;
        p++;
    }
    p = parse_width(p, s, ap);
    p = parse_prec(p, s, ap);
    p = parse_length(p, s);
    s->conv = *p;
    return *p ? p + 1 : p;
}

/* Fetches a signed integer argument of the size the length modifier names
 * and returns it widened to intmax_t; hh and h truncate as C requires. */
static intmax_t arg_signed(const struct fmt_spec *s, va_list *ap)
{
    switch (s->length) {
    case FMT_LEN_HH: return (signed char)va_arg(*ap, int);
    case FMT_LEN_H:  return (short)va_arg(*ap, int);
    case FMT_LEN_L:  return va_arg(*ap, long);
    case FMT_LEN_LL: return va_arg(*ap, long long);
    /* No ssize_t in freestanding C: size_t reinterpreted as signed. */
    case FMT_LEN_Z:  return (intmax_t)(ptrdiff_t)va_arg(*ap, size_t);
    case FMT_LEN_T:  return va_arg(*ap, ptrdiff_t);
    case FMT_LEN_J:  return va_arg(*ap, intmax_t);
    default:         return va_arg(*ap, int);
    }
}

static uintmax_t arg_unsigned(const struct fmt_spec *s, va_list *ap)
{
    switch (s->length) {
    case FMT_LEN_HH: return (unsigned char)va_arg(*ap, unsigned int);
    case FMT_LEN_H:  return (unsigned short)va_arg(*ap, unsigned int);
    case FMT_LEN_L:  return va_arg(*ap, unsigned long);
    case FMT_LEN_LL: return va_arg(*ap, unsigned long long);
    case FMT_LEN_Z:  return va_arg(*ap, size_t);
    case FMT_LEN_T:  return (uintmax_t)va_arg(*ap, ptrdiff_t);
    case FMT_LEN_J:  return va_arg(*ap, uintmax_t);
    default:         return va_arg(*ap, unsigned int);
    }
}

/* Writes prefix, digits and padding of one integer field. pre is the sign
 * and/or radix prefix ("-", "0x", ...); dig the digits, possibly empty. */
static void emit_number(struct fmt_out *o, const struct fmt_spec *s,
                        const char *pre, int npre, const char *dig, int ndig)
{
    /* Precision is the minimum number of digits. */
    long zeros = (s->prec > ndig) ? s->prec - ndig : 0;
    long body = npre + zeros + ndig;
    /* '0' pads with zeros between prefix and digits, but is ignored with
     * '-' or when a precision is given (C99 7.19.6.1p6). */
    if ((s->flags & FMT_F_ZERO) && !(s->flags & FMT_F_LEFT) && s->prec < 0
        && s->width > body) {
        zeros += s->width - body;
        body = s->width;
    }
    long pad = s->width - body;
    if (!(s->flags & FMT_F_LEFT))
        out_repeat(o, ' ', pad);
    out_mem(o, pre, (size_t)npre);
    out_repeat(o, '0', zeros);
    out_mem(o, dig, (size_t)ndig);
    if (s->flags & FMT_F_LEFT)
        out_repeat(o, ' ', pad);
}

/* Converts v to digits in base 8, 10 or 16, ending at end; returns the
 * first digit. Callers give 24 bytes: UINTMAX_MAX is 22 octal digits, plus
 * the leading '0' that '#' may add in front. */
static char *to_digits(uintmax_t v, unsigned base, int upper, char *end)
{
    const char *xd = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char *p = end;
    do {
        *--p = xd[v % base];
        v /= base;
    } while (v);
    return p;
}

/* Formats an integer conversion (d i u o x X, and p for non-NULL). */
static void fmt_int(struct fmt_out *o, const struct fmt_spec *s, unsigned base,
                    uintmax_t mag, int neg, int is_signed)
{
    char buf[24], pre[3];
    int npre = 0;
    char *dig = to_digits(mag, base, s->conv == 'X', buf + sizeof buf);
    int ndig = (int)(buf + sizeof buf - dig);

    /* "%.0d" of 0 prints no digits at all (C99 7.19.6.1p8). */
    if (mag == 0 && s->prec == 0)
        ndig = 0;
    if (neg)
        pre[npre++] = '-';
    else if (is_signed && (s->flags & FMT_F_PLUS))
        pre[npre++] = '+';
    else if (is_signed && (s->flags & FMT_F_SPACE))
        pre[npre++] = ' ';
    if ((s->flags & FMT_F_ALT) && base == 16 && mag != 0) {
        pre[npre++] = '0';
        pre[npre++] = (s->conv == 'X') ? 'X' : 'x';
    }
    /* '#' with o: raise the precision just enough that the first digit is
     * a 0 -- which also makes "%#.0o" of 0 print "0". */
    if ((s->flags & FMT_F_ALT) && base == 8 && (ndig == 0 || dig[0] != '0')) {
        *--dig = '0';
        ndig++;
    }
    emit_number(o, s, pre, npre, dig, ndig);
}

/* Writes n bytes of str padded with spaces to the field width ('0' is
 * ignored for strings and chars, as in glibc). */
static void emit_padded(struct fmt_out *o, const struct fmt_spec *s,
                        const char *str, size_t n)
{
    long pad = (s->width > (long)n) ? s->width - (long)n : 0;
    if (!(s->flags & FMT_F_LEFT))
        out_repeat(o, ' ', pad);
    out_mem(o, str, n);
    if (s->flags & FMT_F_LEFT)
        out_repeat(o, ' ', pad);
}

/* A string field: precision caps the length. Never reads str past prec
 * chars, so the argument need not be NUL-terminated then. */
static void fmt_str(struct fmt_out *o, const struct fmt_spec *s,
                    const char *str)
{
    size_t n = 0;
    while ((s->prec < 0 || n < (size_t)s->prec) && str[n])
        n++;
    emit_padded(o, s, str, n);
}

static void fmt_signed(struct fmt_out *o, const struct fmt_spec *s, va_list *ap)
{
    intmax_t v = arg_signed(s, ap);
    /* Negate in unsigned arithmetic so INTMAX_MIN does not overflow. */
    uintmax_t mag = v < 0 ? 0 - (uintmax_t)v : (uintmax_t)v;
    fmt_int(o, s, 10, mag, v < 0, 1);
}

static void fmt_pointer(struct fmt_out *o, const struct fmt_spec *s,
                        va_list *ap)
{
    void *p = va_arg(*ap, void *);
    struct fmt_spec ps = *s;
    if (!p) {
        ps.prec = -1;       /* glibc never cuts "(nil)" */
        fmt_str(o, &ps, "(nil)");
        return;
    }
    /* Like glibc: %p is %#lx, but the sign flags still apply. */
    ps.conv = 'x';
    ps.flags |= FMT_F_ALT;
    fmt_int(o, &ps, 16, (uintptr_t)p, 0, 1);
}

/* Dispatches one parsed conversion. Returns 0 if conv is not one we know. */
static int fmt_conv(struct fmt_out *o, const struct fmt_spec *s, va_list *ap)
{
    const char *str;
    char c;
    switch (s->conv) {
    case 'd': case 'i':
        fmt_signed(o, s, ap);
        return 1;
    case 'u':
        fmt_int(o, s, 10, arg_unsigned(s, ap), 0, 0);
        return 1;
    case 'o':
        fmt_int(o, s, 8, arg_unsigned(s, ap), 0, 0);
        return 1;
    case 'x': case 'X':
        fmt_int(o, s, 16, arg_unsigned(s, ap), 0, 0);
        return 1;
    case 'p':
        fmt_pointer(o, s, ap);
        return 1;
    case 's':
        str = va_arg(*ap, const char *);
        fmt_str(o, s, str ? str : "(null)");
        return 1;
    case 'c':
        /* Precision is ignored; a NUL char is output and counted. */
        c = (char)va_arg(*ap, int);
        emit_padded(o, s, &c, 1);
        return 1;
    case '%':
        /* glibc ignores flags and width on "%%"; so do we. */
        out_char(o, '%');
        return 1;
    default:
        return 0;
    }
}

int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct fmt_out o = { buf, size, 0 };
    va_list aq;
    /* Helpers take a va_list pointer: passing a va_list by value and then
     * using it again in the caller is not portable (C11 7.16p3). */
    va_copy(aq, ap);
    while (*fmt) {
        if (*fmt != '%') {
            out_char(&o, *fmt++);
            continue;
        }
        const char *start = fmt;
        struct fmt_spec s;
        fmt = parse_spec(fmt + 1, &s, &aq);
        if (!fmt_conv(&o, &s, &aq))
            out_mem(&o, start, (size_t)(fmt - start));
    }
    va_end(aq);
    if (size > 0)
        buf[o.len < size ? o.len : size - 1] = '\0';
    return o.len > INT_MAX ? -1 : (int)o.len;
}

int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = fmt_vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

/* lib/strlist.h: the n-th name of a "a\0b\0c" list (no strlen: hosted
 * builds link this file without lib/string.c). */
const char *strlist_nth(const char *list, size_t n)
{
    for (; n; n--)
        while (*list++)
            ;
    return list;
}
