/* Host unit tests for apps/httpd_html.c: the civil-from-days conversion
 * against glibc's gmtime_r over every day of 1600-2400 and random seconds,
 * the date format and its limits, HTML escaping, the bar geometry, and
 * a whole page built from a made-up status (one <rect> per stage, escaped
 * names, the buffer limit).
 *
 * Build: gcc -std=gnu11 -Wall -Wextra -Werror -g -O1
 *        -fsanitize=address,undefined -fno-sanitize-recover=all -DHOSTED
 *        -I. tests/unit/test_main.c tests/unit/test_httpd_html.c
 *        apps/httpd_html.c lib/fmt.c */
#include <time.h>

#include "apps/httpd_html.h"
#include "kernel/errno.h"
#include "tests/unit/test.h"

#ifndef __clang__
#pragma GCC diagnostic ignored "-Wformat-truncation"
#endif

/* Days from 1970-01-01, by the host's gmtime_r. */
static void host_civil(int64_t days, int64_t *y, unsigned *m, unsigned *d)
{
    time_t t = (time_t)(days * 86400);
    struct tm tm;
    gmtime_r(&t, &tm);
    *y = (int64_t)tm.tm_year + 1900;
    *m = (unsigned)tm.tm_mon + 1;
    *d = (unsigned)tm.tm_mday;
}

TEST(civil_from_days_matches_gmtime)
{
    /* 1600-01-01 .. 2400-12-31: every leap rule (4, 100, 400) and dates
     * before the epoch (negative days). */
    int bad = 0;
    for (int64_t days = -135140; days <= 157180 && bad < 5; days++) {
        int64_t y, hy;
        unsigned m, d, hm, hd;
        html_civil_from_days(days, &y, &m, &d);
        host_civil(days, &hy, &hm, &hd);
        if (y != hy || m != hm || d != hd) {
            CHECK_EQ(y * 10000 + m * 100 + d, hy * 10000 + hm * 100 + hd);
            bad++;
        }
    }
}

TEST(civil_from_days_known_dates)
{
    int64_t y;
    unsigned m, d;
    html_civil_from_days(0, &y, &m, &d);
    CHECK(y == 1970 && m == 1 && d == 1);
    html_civil_from_days(-1, &y, &m, &d);
    CHECK(y == 1969 && m == 12 && d == 31);
    html_civil_from_days(11016, &y, &m, &d);          /* 2000-02-29: a 400-year leap day */
    CHECK(y == 2000 && m == 2 && d == 29);
    html_civil_from_days(47541, &y, &m, &d);          /* 2100-03-01: 2100 is not leap */
    CHECK(y == 2100 && m == 3 && d == 1);
}

TEST(format_utc)
{
    char buf[32];
    CHECK_EQ(html_format_utc(0, buf, sizeof buf), 0);
    CHECK_STR(buf, "1970-01-01 00:00:00 UTC");
    CHECK_EQ(html_format_utc(1796569505, buf, sizeof buf), 0);
    CHECK_STR(buf, "2026-12-06 15:05:05 UTC");
    CHECK_EQ(html_format_utc(951782399, buf, sizeof buf), 0);
    CHECK_STR(buf, "2000-02-28 23:59:59 UTC");
    CHECK_EQ(html_format_utc(253402300799ull, buf, sizeof buf), 0);
    CHECK_STR(buf, "9999-12-31 23:59:59 UTC");
    CHECK_EQ(html_format_utc(253402300800ull, buf, sizeof buf), -ERANGE);
    CHECK_EQ(html_format_utc(UINT64_MAX, buf, sizeof buf), -ERANGE);
    CHECK_EQ(html_format_utc(0, buf, 23), -EINVAL);
    CHECK_EQ(html_format_utc(0, NULL, 32), -EINVAL);
    CHECK_EQ(html_format_utc(0, buf, 24), 0);
    CHECK_EQ(strlen(buf), 23);
}

TEST(format_utc_random_against_gmtime)
{
    srand(12345);
    for (int i = 0; i < 100000; i++) {
        uint64_t t = ((uint64_t)rand() << 31 ^ (uint64_t)rand()) % 253402300800ull;
        char buf[32], want[32];
        time_t tt = (time_t)t;
        struct tm tm;
        gmtime_r(&tt, &tm);
        strftime(want, sizeof want, "%Y-%m-%d %H:%M:%S UTC", &tm);
        REQUIRE(html_format_utc(t, buf, sizeof buf) == 0);
        if (strcmp(buf, want) != 0) {
            CHECK_STR(buf, want);
            return;
        }
    }
}

static const char *escaped(const char *s, char *buf, size_t cap)
{
    struct html_out o;
    html_out_init(&o, buf, cap);
    html_escape(&o, s);
    return o.overflow ? "(overflow)" : buf;
}

TEST(escape)
{
    char buf[128];
    CHECK_STR(escaped("plain text 123", buf, sizeof buf), "plain text 123");
    CHECK_STR(escaped("<script>alert('x&y')</script>", buf, sizeof buf),
              "&lt;script&gt;alert(&#39;x&amp;y&#39;)&lt;/script&gt;");
    CHECK_STR(escaped("a=\"b\"", buf, sizeof buf), "a=&quot;b&quot;");
    CHECK_STR(escaped("tab\there\nnl\x01\x7f\xc3\xa9", buf, sizeof buf), "tab\there\nnl????");
    CHECK_STR(escaped("", buf, sizeof buf), "");
    CHECK_STR(escaped(NULL, buf, sizeof buf), "");
    CHECK_STR(escaped("&&&&", buf, 20), "(overflow)");       /* 20 bytes: 4 x "&amp;" + NUL do not fit */
    CHECK_STR(escaped("&&&", buf, 16), "&amp;&amp;&amp;");   /* exactly fits */
}

TEST(out_printf_overflow)
{
    char buf[8];
    struct html_out o;
    html_out_init(&o, buf, sizeof buf);
    html_printf(&o, "%s", "1234");
    CHECK(!o.overflow);
    html_printf(&o, "%s", "5678");
    CHECK(o.overflow);
    CHECK_STR(buf, "1234");
    html_printf(&o, "x");                                   /* stays cut */
    CHECK_STR(buf, "1234");
    html_out_init(&o, buf, 0);
    CHECK(o.overflow);
}

TEST(bar_px)
{
    CHECK_EQ(html_bar_px(0, 100, 400), 0);
    CHECK_EQ(html_bar_px(5, 0, 400), 0);
    CHECK_EQ(html_bar_px(5, 100, 0), 0);
    CHECK_EQ(html_bar_px(100, 100, 400), 400);
    CHECK_EQ(html_bar_px(200, 100, 400), 400);             /* clamped */
    CHECK_EQ(html_bar_px(50, 100, 400), 200);
    CHECK_EQ(html_bar_px(1, 1000000, 400), 1);              /* tiny stays visible */
    CHECK_EQ(html_bar_px(1249, 1000000, 400), 1);           /* 0.4996 px rounds to 0, lifted to 1 */
    CHECK_EQ(html_bar_px(1250, 1000000, 400), 1);           /* 0.5 px rounds to 1 */
    CHECK_EQ(html_bar_px(3750, 1000000, 400), 2);           /* 1.5 px rounds to 2 */
    CHECK_EQ(html_bar_px(UINT64_MAX - 1, UINT64_MAX, 400), 400);
    CHECK_EQ(html_bar_px(UINT64_MAX / 2, UINT64_MAX, 400), 200);
    for (uint64_t v = 1; v <= 1000; v++) {                  /* monotonic, within bounds */
        unsigned a = html_bar_px(v, 1000, 400), b = html_bar_px(v + 1, 1000, 400);
        CHECK(a >= 1 && a <= b && b <= 400);
    }
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p++)
        n++;
    return n;
}

static void sample(struct httpd_status *st)
{
    static const char *names[] = { "serial", "cpu", "boot info", "memory", "acpi", "pci", "net", "ready" };
    *st = (struct httpd_status){ .version = "0.4-dev", .hypervisor = "QEMU TCG", .cpu = "Evil <b>CPU</b> & co",
                                 .uptime_ms = 90061001, .wall_s = 1796569505, .ready_us = 65878,
                                 .tw_reused_syn = 3, .pci = "00:02.0 8086:100e ethernet <e1000>\n" };
    uint64_t at = 0;
    for (int i = 0; i < 8; i++) {
        st->stages[i] = (struct httpd_stage){ names[i], at + (uint64_t)(i + 1) * 1000, (uint64_t)(i + 1) * 1000 };
        at = st->stages[i].at_us;
    }
    st->nstages = 8;
    st->npools = 2;
    st->pools[0] = (struct httpd_pool){ "PBUF_POOL", 256, 95, 3, 7 };
    st->pools[1] = (struct httpd_pool){ "TCP_PCB<x>", 64, 64, 1, 0 };
    st->nnics = 1;
    st->nics[0] = (struct httpd_nic){ .name = "eth0", .driver = "e1000", .desc = "82540EM", .mac = "52:54:00:12:34:56",
                                      .addr = "10.0.2.15", .link_up = true, .speed_mbps = 1000, .rx_packets = 42 };
}

TEST(page)
{
    static char buf[64 * 1024];
    struct httpd_status st;
    sample(&st);
    struct html_out o;
    html_out_init(&o, buf, sizeof buf);
    REQUIRE(httpd_html_page(&o, &st) == 0);
    CHECK(strncmp(buf, "<!DOCTYPE html>\n<html lang=\"en\">", 32) == 0);
    CHECK(strstr(buf, "<meta charset=\"utf-8\">") != NULL);
    CHECK(strstr(buf, "</html>\n") == buf + o.len - 8);
    CHECK_EQ(count(buf, "<rect "), 8);
    CHECK_EQ(count(buf, "<svg "), 1);
    CHECK(strstr(buf, "<dd id=\"hypervisor\">QEMU TCG</dd>") != NULL);
    CHECK(strstr(buf, "Evil &lt;b&gt;CPU&lt;/b&gt; &amp; co") != NULL);
    CHECK(strstr(buf, "<b>CPU</b>") == NULL);
    CHECK(strstr(buf, "2026-12-06 15:05:05 UTC") != NULL);
    CHECK(strstr(buf, "1 d 01:01:01.001") != NULL);
    CHECK(strstr(buf, "&lt;e1000&gt;") != NULL);
    CHECK(strstr(buf, "width=\"400\" height=\"16\"") != NULL);   /* the longest stage spans the chart */
    CHECK(strstr(buf, "http://") == strstr(buf, "http://www.w3.org/2000/svg"));  /* nothing external */
    CHECK(strstr(buf, "<script") == NULL);
    CHECK(strstr(buf, "<tr><td>PBUF_POOL</td><td>3</td><td>95 <small>of 256</small></td>"
                      "<td>7</td></tr>") != NULL);
    CHECK(strstr(buf, "<tr><td>TCP_PCB&lt;x&gt;</td><td>1</td><td>64</td>") != NULL);
    /* A buffer too small: -ENOSPC, and the text stays NUL-terminated. */
    html_out_init(&o, buf, 1000);
    CHECK_EQ(httpd_html_page(&o, &st), -ENOSPC);
    CHECK(strlen(buf) < 1000);
}

TEST(page_without_clock_or_stages)
{
    static char buf[64 * 1024];
    struct httpd_status st;
    sample(&st);
    st.wall_s = 0;
    st.nstages = 0;
    st.nnics = 0;
    st.pci = NULL;
    st.uptime_ms = 90061001;
    struct html_out o;
    html_out_init(&o, buf, sizeof buf);
    REQUIRE(httpd_html_page(&o, &st) == 0);
    CHECK(strstr(buf, "<dd id=\"wallclock\">unknown</dd>") != NULL);
    CHECK(strstr(buf, "id=\"pools\"") != NULL);
    CHECK(strstr(buf, "<dd id=\"uptime\">25:01:01.001</dd>") == NULL);
    CHECK(strstr(buf, "<dd id=\"uptime\">1 d 01:01:01.001</dd>") != NULL);
    CHECK_EQ(count(buf, "<rect "), 0);
}

TEST(page_uptime_under_a_day)
{
    static char buf[64 * 1024];
    struct httpd_status st;
    sample(&st);
    st.uptime_ms = 3723004;
    struct html_out o;
    html_out_init(&o, buf, sizeof buf);
    REQUIRE(httpd_html_page(&o, &st) == 0);
    CHECK(strstr(buf, "<dd id=\"uptime\">01:02:03.004</dd>") != NULL);
}
