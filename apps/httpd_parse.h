/* httpd's request parsing (RFC 9112): pure functions over a buffer,
 * unit-tested on the host (tests/unit/test_httpd_parse.c). */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#define HTTPD_PARSE_CL_NONE (-1ll)      /* request.content_length: no Content-Length field */

struct request {
    char method[8];
    const char *target;         /* NUL-terminated, inside the connection buffer */
    int minor;                  /* HTTP/1.minor */
    bool keep_alive;
    bool has_body;              /* Content-Length > 0 or Transfer-Encoding */
    bool wants_html;            /* Accept names text/html (a browser) */
    long long content_length;   /* HTTPD_PARSE_CL_NONE when absent */
    bool chunked;               /* Transfer-Encoding present */
};

/* The offset just past the empty line that ends the header section in
 * buf[0..len), searching from `from` (a previous call's len - 3 is safe);
 * 0 when there is none yet. Lines end in LF, with or without a CR before
 * it (RFC 9112 2.2). */
size_t httpd_head_end(const char *buf, size_t len, size_t from);

/* Leading empty lines before a request line (RFC 9112 2.2: a server
 * SHOULD ignore at least one): how many bytes of buf[0..len) they take. */
size_t httpd_skip_empty_lines(const char *buf, size_t len);

/* Whether the request line, if buf[0..len) already holds all of it, is
 * malformed: 400 then (e.g. an HTTP/0.9 "GET /" with no version), 0 while
 * it is well-formed or not complete yet. Lets the server answer at once
 * instead of waiting for a header section that will never come. */
int httpd_check_request_line(const char *buf, size_t len);

/* The request head buf[0..len) (ending in its empty line) into r; the
 * target is NUL-terminated in place. 0, or the status to answer (400). */
int httpd_parse_request(char *buf, size_t len, struct request *r);

/* "/bytes/N": N, or -1 when not a decimal number in [0, max]. */
long long httpd_parse_count(const char *s, unsigned long long max);
