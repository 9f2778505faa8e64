/* httpd's request parsing: the request line and header fields of
 * HTTP/1.0 and HTTP/1.1 (RFC 9112 sections 2-3 and 5-6, field syntax from
 * RFC 9110 5.6). Everything here reads bytes a client sent, so every
 * length is checked before it is used, and anything that is not plainly
 * valid is a 400.
 *
 * Line ends: RFC 9112 2.2 lets a recipient accept a bare LF as a line
 * terminator and ignore a CR before it; minnow does (curl and browsers
 * send CRLF, hand-typed requests and some tools send LF). A CR anywhere
 * else is invalid: it is a control character in a field value, or not a
 * token character in the request line.
 *
 * Message framing, RFC 9112 6.3: several Content-Length fields with
 * differing values are unrecoverable (400); identical ones are one value
 * (RFC 9110 8.6). A request with both Transfer-Encoding and Content-Length
 * is refused too (RFC 9112 6.1 allows it; it is the classic request
 * smuggling vector). httpd reads no request bodies: a request with one is
 * answered and the connection closed (apps/httpd.c). */
#include "apps/httpd_parse.h"
#include "lib/string.h"

#define CL_DIGITS_MAX 18        /* below 2^63 */

static bool is_tchar(char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    for (const char *p = "!#$%&'*+-.^_`|~"; *p; p++)
        if (c == *p)
            return true;
    return false;
}

static char lower(char c) { return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c; }

static bool ieq(const char *a, size_t alen, const char *b)
{
    size_t blen = strlen(b);
    if (alen != blen)
        return false;
    for (size_t i = 0; i < alen; i++)
        if (lower(a[i]) != lower(b[i]))
            return false;
    return true;
}

/* Whether the comma-separated list v[0..n) holds token tok (any case). */
static bool list_has(const char *v, size_t n, const char *tok)
{
    size_t i = 0;
    while (i < n) {
        while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
            i++;
        size_t s = i;
        while (i < n && v[i] != ',')
            i++;
        size_t e = i;
        while (e > s && (v[e - 1] == ' ' || v[e - 1] == '\t'))
            e--;
        if (e > s && ieq(v + s, e - s, tok))
            return true;
    }
    return false;
}

/* Whether v[0..n) contains tok, in any case. */
static bool has_substr(const char *v, size_t n, const char *tok)
{
    size_t t = strlen(tok);
    for (size_t i = 0; i + t <= n; i++)
        if (ieq(v + i, t, tok))
            return true;
    return false;
}

/* The end of the line starting at `from` in buf[0..len): the offset of its
 * LF, or len when there is none. *content_end is where its content ends
 * (before a CR that precedes the LF). */
static size_t line_end(const char *buf, size_t len, size_t from, size_t *content_end)
{
    size_t e = from;
    while (e < len && buf[e] != '\n')
        e++;
    *content_end = e > from && e < len && buf[e - 1] == '\r' ? e - 1 : e;
    return e;
}

size_t httpd_head_end(const char *buf, size_t len, size_t from)
{
    for (size_t i = from; i + 1 < len; i++) {
        if (buf[i] != '\n')
            continue;
        if (buf[i + 1] == '\n')
            return i + 2;
        if (buf[i + 1] == '\r' && i + 2 < len && buf[i + 2] == '\n')
            return i + 3;
    }
    return 0;
}

size_t httpd_skip_empty_lines(const char *buf, size_t len)
{
    size_t i = 0;
    for (;;) {
        if (i < len && buf[i] == '\n')
            i++;
        else if (i + 1 < len && buf[i] == '\r' && buf[i + 1] == '\n')
            i += 2;
        else
            return i;
    }
}

/* request-line = method SP request-target SP HTTP-version (RFC 9112 3),
 * in buf[0..eol) without its line end. 0 or 400; the method, the target's
 * bounds and the minor version go to r, *t0 and *t1. */
static int parse_request_line(const char *buf, size_t eol, struct request *r, size_t *t0, size_t *t1)
{
    size_t i = 0;
    while (i < eol && is_tchar(buf[i]))
        i++;
    if (i == 0 || i >= eol || buf[i] != ' ')
        return 400;
    size_t mlen = i < sizeof r->method - 1 ? i : sizeof r->method - 1;
    memcpy(r->method, buf, mlen);
    r->method[mlen] = 0;
    if (i >= sizeof r->method)
        r->method[0] = '?';                 /* too long to be one we know */
    size_t t = ++i;
    while (i < eol && buf[i] > 0x20 && buf[i] != 0x7f)
        i++;
    if (i == t || i >= eol || buf[i] != ' ')
        return 400;                         /* also HTTP/0.9's "GET /" */
    *t0 = t;
    *t1 = i++;
    if (eol - i != 8 || memcmp(buf + i, "HTTP/1.", 7) != 0 || (buf[i + 7] != '0' && buf[i + 7] != '1'))
        return 400;
    r->minor = buf[i + 7] - '0';
    return 0;
}

int httpd_check_request_line(const char *buf, size_t len)
{
    size_t content;
    size_t eol = line_end(buf, len, 0, &content);
    if (eol == len)
        return 0;                           /* not all there yet */
    struct request r;
    size_t t0, t1;
    return parse_request_line(buf, content, &r, &t0, &t1);
}

/* Content-Length's value v[0..n): RFC 9112 6.3. 0 or 400. */
static int parse_content_length(const char *v, size_t n, struct request *r)
{
    if (n == 0 || n > CL_DIGITS_MAX)
        return 400;
    long long cl = 0;
    for (size_t k = 0; k < n; k++) {
        if (v[k] < '0' || v[k] > '9')
            return 400;                     /* also a list "5, 5" */
        cl = cl * 10 + (v[k] - '0');
    }
    if (r->content_length != HTTPD_PARSE_CL_NONE && r->content_length != cl)
        return 400;                         /* differing values: unrecoverable */
    r->content_length = cl;
    if (cl > 0)
        r->has_body = true;
    return 0;
}

/* One header field "name: value" (line[0..n), no line end) into r. 0 or 400. */
static int parse_header(const char *line, size_t n, struct request *r, int *hosts)
{
    size_t i = 0;
    while (i < n && is_tchar(line[i]))
        i++;
    if (i == 0 || i == n || line[i] != ':')
        return 400;                         /* also obs-fold and "name :" */
    size_t name_len = i++;
    while (i < n && (line[i] == ' ' || line[i] == '\t'))
        i++;
    const char *v = line + i;
    size_t vlen = n - i;
    for (size_t k = 0; k < vlen; k++)
        if ((v[k] < 0x20 && v[k] != '\t') || v[k] == 0x7f)
            return 400;                     /* a bare CR among them (RFC 9112 2.2) */
    while (vlen && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
        vlen--;
    if (ieq(line, name_len, "host")) {
        (*hosts)++;
    } else if (ieq(line, name_len, "connection")) {
        if (list_has(v, vlen, "close"))
            r->keep_alive = false;
        else if (list_has(v, vlen, "keep-alive"))
            r->keep_alive = true;
    } else if (ieq(line, name_len, "content-length")) {
        return parse_content_length(v, vlen, r);
    } else if (ieq(line, name_len, "transfer-encoding")) {
        r->has_body = true;
        r->chunked = true;
    } else if (ieq(line, name_len, "accept")) {
        /* RFC 9110 12.5.1; browsers list text/html first. A plain
         * substring test: weights (q=) are not looked at. */
        if (has_substr(v, vlen, "text/html"))
            r->wants_html = true;
    }
    return 0;
}

int httpd_parse_request(char *buf, size_t len, struct request *r)
{
    *r = (struct request){ .content_length = HTTPD_PARSE_CL_NONE };
    size_t content, t0, t1;
    size_t eol = line_end(buf, len, 0, &content);
    if (eol == len)
        return 400;
    int err = parse_request_line(buf, content, r, &t0, &t1);
    if (err)
        return err;
    buf[t1] = 0;
    r->target = buf + t0;
    r->keep_alive = r->minor == 1;
    int hosts = 0;
    for (size_t l = eol + 1;;) {
        size_t e = line_end(buf, len, l, &content);
        if (e == len)
            return 400;                     /* no empty line */
        if (content == l)
            break;                          /* the empty line */
        err = parse_header(buf + l, content - l, r, &hosts);
        if (err)
            return err;
        l = e + 1;
    }
    if (r->minor == 1 && hosts != 1)
        return 400;                         /* RFC 9112 3.2 */
    if (r->chunked && r->content_length != HTTPD_PARSE_CL_NONE)
        return 400;                         /* RFC 9112 6.1 */
    if (r->target[0] != '/')
        return 400;                         /* origin-form only */
    return 0;
}

long long httpd_parse_count(const char *s, unsigned long long max)
{
    if (!*s || strlen(s) > 10)
        return -1;
    unsigned long long v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        v = v * 10 + (unsigned)(*s - '0');
    }
    return v <= max ? (long long)v : -1;
}
