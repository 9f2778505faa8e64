/* Host unit tests for apps/httpd_parse.c: line ends (CRLF and bare LF,
 * RFC 9112 2.2), the end of the header section found across partial
 * reads, early refusal of a malformed request line (HTTP/0.9), Content-
 * Length framing (RFC 9112 6.3), and the counts of /bytes/N.
 *
 * Build: gcc -std=gnu11 -Wall -Wextra -Werror -g -O1
 *        -fsanitize=address,undefined -fno-sanitize-recover=all -DHOSTED
 *        -I. tests/unit/test_main.c tests/unit/test_httpd_parse.c
 *        apps/httpd_parse.c */
#include "apps/httpd_parse.h"
#include "tests/unit/test.h"

/* Parses a copy of the string s (the whole head): 0 or the status. */
static int parse(const char *s, struct request *r, char *copy, size_t cap)
{
    size_t n = strlen(s);
    if (n >= cap)
        return -1;
    memcpy(copy, s, n + 1);
    return httpd_parse_request(copy, n, r);
}

TEST(head_end_crlf_and_lf)
{
    const char *a = "GET / HTTP/1.1\r\nHost: x\r\n\r\nrest";
    CHECK_EQ(httpd_head_end(a, strlen(a), 0), strlen(a) - 4);
    const char *b = "GET / HTTP/1.0\n\nrest";
    CHECK_EQ(httpd_head_end(b, strlen(b), 0), 16);
    const char *c = "GET / HTTP/1.1\nHost: x\r\n\nX";
    CHECK_EQ(httpd_head_end(c, strlen(c), 0), strlen(c) - 1);
    const char *d = "GET / HTTP/1.1\r\nHost: x\r\n";
    CHECK_EQ(httpd_head_end(d, strlen(d), 0), 0);
    CHECK_EQ(httpd_head_end("", 0, 0), 0);
    CHECK_EQ(httpd_head_end("\n", 1, 0), 0);
}

/* Fed one byte at a time, resuming where the caller does (len - 3), the
 * end is found exactly when its last byte arrives. */
TEST(head_end_byte_by_byte)
{
    const char *heads[] = { "GET / HTTP/1.1\r\nHost: x\r\n\r\n", "GET / HTTP/1.0\n\n",
                            "GET / HTTP/1.0\r\n\n", "GET / HTTP/1.0\n\r\n" };
    for (size_t h = 0; h < sizeof heads / sizeof heads[0]; h++) {
        size_t n = strlen(heads[h]), scanned = 0, found = 0;
        for (size_t len = 1; len <= n && !found; len++) {
            found = httpd_head_end(heads[h], len, scanned);
            if (!found)
                scanned = len > 3 ? len - 3 : 0;
            else
                CHECK_EQ(len, n);
        }
        CHECK_EQ(found, n);
    }
}

TEST(skip_empty_lines)
{
    CHECK_EQ(httpd_skip_empty_lines("\r\n\nGET", 6), 3);
    CHECK_EQ(httpd_skip_empty_lines("\r", 1), 0);
    CHECK_EQ(httpd_skip_empty_lines("GET", 3), 0);
}

TEST(request_line_checked_early)
{
    CHECK_EQ(httpd_check_request_line("GET /", 5), 0);             /* not complete */
    CHECK_EQ(httpd_check_request_line("GET /\r\n", 7), 400);       /* HTTP/0.9 */
    CHECK_EQ(httpd_check_request_line("GET /\n", 6), 400);
    CHECK_EQ(httpd_check_request_line("GET / HTTP/1.1\r\n", 16), 0);
    CHECK_EQ(httpd_check_request_line("GET / HTTP/1.1\n", 15), 0);
    CHECK_EQ(httpd_check_request_line("GET / HTTP/2.0\r\n", 16), 400);
    CHECK_EQ(httpd_check_request_line("GET  / HTTP/1.1\r\n", 17), 400);
}

TEST(bare_lf_request)
{
    char buf[256];
    struct request r;
    CHECK_EQ(parse("GET /bytes/5 HTTP/1.0\n\n", &r, buf, sizeof buf), 0);
    CHECK(strcmp(r.target, "/bytes/5") == 0);
    CHECK_EQ(r.minor, 0);
    CHECK(!r.keep_alive);
    CHECK_EQ(parse("GET / HTTP/1.1\nHost: x\nConnection: close\n\n", &r, buf, sizeof buf), 0);
    CHECK(!r.keep_alive);
    CHECK_EQ(parse("GET / HTTP/1.1\r\nHost: x\n\r\n", &r, buf, sizeof buf), 0);
    CHECK(r.keep_alive);
    /* A bare CR is no line end: inside a field value it is invalid. */
    CHECK_EQ(parse("GET / HTTP/1.1\r\nHost: x\rY: z\r\n\r\n", &r, buf, sizeof buf), 400);
    CHECK_EQ(parse("GET / HTTP/1.1\r\r\nHost: x\r\n\r\n", &r, buf, sizeof buf), 400);
}

TEST(content_length_framing)
{
    char buf[256];
    struct request r;
    CHECK_EQ(parse("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", &r, buf, sizeof buf), 0);
    CHECK_EQ(r.content_length, 0);
    CHECK(!r.has_body);
    CHECK_EQ(parse("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n", &r, buf,
                   sizeof buf), 0);
    CHECK_EQ(r.content_length, 5);
    CHECK(r.has_body);
    CHECK_EQ(parse("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", &r, buf,
                   sizeof buf), 400);
    CHECK_EQ(parse("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\ncontent-length: 10\r\n\r\n", &r, buf,
                   sizeof buf), 400);
    CHECK_EQ(parse("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 6\r\n\r\n", &r, buf, sizeof buf), 400);
    CHECK_EQ(parse("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", &r, buf, sizeof buf), 400);
    CHECK_EQ(parse("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1234567890123456789\r\n\r\n", &r, buf,
                   sizeof buf), 400);
    CHECK_EQ(parse("GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n", &r,
                   buf, sizeof buf), 400);
    CHECK_EQ(parse("GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n", &r, buf, sizeof buf), 0);
    CHECK(r.has_body);
}

TEST(request_errors)
{
    char buf[256];
    struct request r;
    CHECK_EQ(parse("GET / HTTP/1.1\r\n\r\n", &r, buf, sizeof buf), 400);               /* no Host */
    CHECK_EQ(parse("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", &r, buf, sizeof buf), 400);
    CHECK_EQ(parse("GET / HTTP/1.1\r\nHost x\r\n\r\n", &r, buf, sizeof buf), 400);
    CHECK_EQ(parse("GET x HTTP/1.1\r\nHost: x\r\n\r\n", &r, buf, sizeof buf), 400);     /* not origin-form */
    CHECK_EQ(parse("GET / HTTP/1.1\r\nHost: x\r\n", &r, buf, sizeof buf), 400);         /* no empty line */
    CHECK_EQ(parse("GET /\r\n\r\n", &r, buf, sizeof buf), 400);
    CHECK_EQ(parse("VERYLONGMETHOD / HTTP/1.0\r\n\r\n", &r, buf, sizeof buf), 0);
    CHECK(strcmp(r.method, "?ERYLON") == 0);
}

TEST(parse_count)
{
    CHECK_EQ(httpd_parse_count("0", 100), 0);
    CHECK_EQ(httpd_parse_count("100", 100), 100);
    CHECK_EQ(httpd_parse_count("101", 100), -1);
    CHECK_EQ(httpd_parse_count("", 100), -1);
    CHECK_EQ(httpd_parse_count("1x", 100), -1);
    CHECK_EQ(httpd_parse_count("12345678901", ~0ull), -1);
}
