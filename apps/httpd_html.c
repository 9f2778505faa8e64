/* app=httpd's HTML status page: see httpd_html.h.
 *
 * The document follows the HTML Living Standard's syntax (section 13.1):
 * a DOCTYPE, a <meta charset>, a <title>, and SVG embedded as a foreign
 * element (13.1.2.1) with its own namespace implied by the parser. It
 * references nothing outside itself, so it renders the same offline. */
#include "apps/httpd_html.h"
#include "kernel/errno.h"
#include "lib/fmt.h"
#include "lib/string.h"
#include <stdarg.h>

/* --- the output buffer ------------------------------------------------------ */

void html_out_init(struct html_out *o, char *buf, size_t cap)
{
    *o = (struct html_out){ .p = buf, .cap = cap };
    if (cap)
        buf[0] = 0;
    else
        o->overflow = true;
}

static void out_append(struct html_out *o, const char *s, size_t n)
{
    if (o->overflow)
        return;
    if (o->len + n + 1 > o->cap) {
        o->overflow = true;
        return;
    }
    memcpy(o->p + o->len, s, n);
    o->len += n;
    o->p[o->len] = 0;
}

static void out_puts(struct html_out *o, const char *s) { out_append(o, s, strlen(s)); }

void html_printf(struct html_out *o, const char *fmt, ...)
{
    if (o->overflow)
        return;
    va_list ap;
    va_start(ap, fmt);
    size_t room = o->cap - o->len;
    int n = fmt_vsnprintf(o->p + o->len, room, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= room) {
        o->p[o->len] = 0;                   /* drop the cut piece */
        o->overflow = true;
        return;
    }
    o->len += (size_t)n;
}

void html_escape(struct html_out *o, const char *s)
{
    if (!s)
        return;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        switch (c) {
        case '&':  out_puts(o, "&amp;"); break;
        case '<':  out_puts(o, "&lt;"); break;
        case '>':  out_puts(o, "&gt;"); break;
        case '"':  out_puts(o, "&quot;"); break;
        case '\'': out_puts(o, "&#39;"); break;
        default: {
            char ch = (c < 0x20 && c != '\t' && c != '\n') || c >= 0x7f ? '?' : (char)c;
            out_append(o, &ch, 1);
        }
        }
    }
}

/* Literal markup, then a value escaped: most of the page is made of these. */
static void out_esc(struct html_out *o, const char *markup, const char *value)
{
    out_puts(o, markup);
    html_escape(o, value);
}

/* --- dates ------------------------------------------------------------------ */

void html_civil_from_days(int64_t z, int64_t *year, unsigned *month, unsigned *day)
{
    /* Shift the epoch to 0000-03-01: leap days then fall at the end of each
     * year, and 400-year eras of 146097 days repeat exactly. */
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    uint64_t doe = (uint64_t)(z - era * 146097);                          /* [0, 146096] */
    uint64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;  /* [0, 399] */
    uint64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);               /* [0, 365] */
    uint64_t mp = (5 * doy + 2) / 153;                                    /* March = 0 */
    *day = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    *month = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    *year = (int64_t)yoe + era * 400 + (*month <= 2);
}

/* 9999-12-31 23:59:59 UTC */
#define HTML_UTC_MAX 253402300799ull
#define SECS_PER_DAY 86400u

int html_format_utc(uint64_t unix_s, char *buf, size_t size)
{
    if (!buf || size < 24)
        return -EINVAL;
    if (unix_s > HTML_UTC_MAX)
        return -ERANGE;
    int64_t y;
    unsigned mo, d;
    html_civil_from_days((int64_t)(unix_s / SECS_PER_DAY), &y, &mo, &d);
    unsigned s = (unsigned)(unix_s % SECS_PER_DAY);
    fmt_snprintf(buf, size, "%04lld-%02u-%02u %02u:%02u:%02u UTC", (long long)y, mo, d, s / 3600,
                 s / 60 % 60, s % 60);
    return 0;
}

/* --- the bar chart ------------------------------------------------------------ */

unsigned html_bar_px(uint64_t value, uint64_t max, unsigned width)
{
    if (value == 0 || max == 0 || width == 0)
        return 0;
    if (value >= max)
        return width;
    /* Scale both down until value * width fits in 64 bits (the ratio
     * moves by less than a pixel: max keeps 32 significant bits). */
    while (max >> 32) {
        max >>= 1;
        value >>= 1;
    }
    uint64_t px = (value * width + max / 2) / max;
    if (px == 0)
        px = 1;
    return px > width ? width : (unsigned)px;
}

/* Geometry of the SVG, in its own user units (the viewBox scales them). */
#define SVG_LABEL_W 120     /* stage names, right-aligned before the bars */
#define SVG_BAR_W   400     /* the longest stage */
#define SVG_VALUE_W 110     /* "123456 µs" after each bar */
#define SVG_ROW_H   24
#define SVG_BAR_H   16
#define SVG_PAD     8

static void page_timeline(struct html_out *o, const struct httpd_status *st)
{
    uint64_t max = 0;
    for (int i = 0; i < st->nstages; i++)
        if (st->stages[i].us > max)
            max = st->stages[i].us;
    unsigned w = SVG_LABEL_W + SVG_BAR_W + SVG_VALUE_W, h = (unsigned)st->nstages * SVG_ROW_H + 2 * SVG_PAD;
    html_printf(o, "<svg id=\"timeline\" role=\"img\" aria-label=\"boot timeline\" "
                "xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %u %u\" width=\"%u\" height=\"%u\">\n",
                w, h, w, h);
    html_printf(o, "<title>Boot timeline: %d stages, ready in %llu &#181;s</title>\n", st->nstages,
                (unsigned long long)st->ready_us);
    for (int i = 0; i < st->nstages; i++) {
        const struct httpd_stage *s = &st->stages[i];
        unsigned y = SVG_PAD + (unsigned)i * SVG_ROW_H, px = html_bar_px(s->us, max, SVG_BAR_W);
        unsigned ty = y + SVG_BAR_H - 4;
        html_printf(o, "<text x=\"%u\" y=\"%u\" text-anchor=\"end\">", SVG_LABEL_W - 8, ty);
        html_escape(o, s->name);
        html_printf(o, "</text><rect class=\"bar\" x=\"%u\" y=\"%u\" width=\"%u\" height=\"%u\" rx=\"3\">"
                    "<title>", SVG_LABEL_W, y, px, SVG_BAR_H);
        html_escape(o, s->name);
        html_printf(o, ": %llu &#181;s, done at %llu &#181;s</title></rect>", (unsigned long long)s->us,
                    (unsigned long long)s->at_us);
        html_printf(o, "<text class=\"val\" x=\"%u\" y=\"%u\">%llu &#181;s</text>\n", SVG_LABEL_W + px + 6, ty,
                    (unsigned long long)s->us);
    }
    html_printf(o, "</svg>\n");
}

/* --- the page ------------------------------------------------------------------- */

/* One line: the page's size counts against the kernel's. The tables'
 * numeric columns are right-aligned by position (rules below), not by a
 * class on every cell. */
static const char page_style[] =
    "body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0;"
    "background:#f3f5f8;color:#1d2533}"
    "header{background:#14324f;color:#fff;padding:18px 32px}"
    "header h1{margin:0;font-size:26px;font-weight:600}header h1 span{color:#8fc1ec;font-weight:400}"
    "main{padding:8px 32px 24px;max-width:980px}"
    "h2{font-size:17px;margin:22px 0 8px;color:#14324f}"
    ".cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(210px,1fr));gap:12px}"
    ".card,.panel,pre{background:#fff;border-radius:8px;box-shadow:0 1px 3px rgba(0,0,0,.12)}"
    ".card{padding:10px 14px}"
    ".card dd{margin:2px 0 0;font-size:16px;font-weight:600;word-break:break-word}"
    ".panel{padding:12px 16px}"
    "svg{max-width:100%;height:auto;font-size:13px}svg text{fill:#1d2533}svg .val{fill:#5b6b80}"
    ".bar{fill:#2f80c9}.bar:hover{fill:#14324f}"
    "table{border-collapse:collapse;width:100%;background:#fff}"
    "th,td{text-align:left;padding:6px 10px;border-bottom:1px solid #e3e8ef;vertical-align:top}"
    "th,.card dt{font-size:12px;text-transform:uppercase;letter-spacing:.05em;color:#5b6b80}"
    "#nics td:nth-child(n+4),#nics th:nth-child(n+4),#pools td+td,#pools th+th,#tcp td+td"
    "{text-align:right;font-variant-numeric:tabular-nums}"
    "#pools,#tcp{max-width:640px}"
    ".up,.down{font-weight:600;white-space:nowrap}.up{color:#1a7f37}.down{color:#b42318}"
    "pre{padding:10px 14px;overflow-x:auto;font-size:12px}"
    "footer{color:#5b6b80;font-size:12px;padding:0 32px 24px}\n";

static void page_card(struct html_out *o, const char *id, const char *label, const char *value)
{
    html_printf(o, "<dl class=\"card\"><dt>%s</dt><dd id=\"%s\">", label, id);
    html_escape(o, value);
    html_printf(o, "</dd></dl>\n");
}

static void page_cards(struct html_out *o, const struct httpd_status *st)
{
    char up[48], wall[32];
    uint64_t s = st->uptime_ms / 1000;
    int n = s >= 86400 ? fmt_snprintf(up, sizeof up, "%llu d ", (unsigned long long)(s / 86400)) : 0;
    fmt_snprintf(up + n, sizeof up - (size_t)n, "%02llu:%02llu:%02llu.%03llu", (unsigned long long)(s / 3600 % 24),
                 (unsigned long long)(s / 60 % 60), (unsigned long long)(s % 60),
                 (unsigned long long)(st->uptime_ms % 1000));
    if (!st->wall_s || html_format_utc(st->wall_s, wall, sizeof wall) != 0)
        fmt_snprintf(wall, sizeof wall, "unknown");
    html_printf(o, "<section class=\"cards\">\n");
    page_card(o, "hypervisor", "Hypervisor", st->hypervisor);
    page_card(o, "cpu", "CPU", st->cpu);
    page_card(o, "uptime", "Uptime", up);
    page_card(o, "wallclock", "Wall clock", wall);
    html_printf(o, "</section>\n");
}

static void page_nics(struct html_out *o, const struct httpd_status *st)
{
    html_printf(o, "<h2>Network interfaces</h2>\n<table id=\"nics\"><tr><th>NIC</th><th>address</th>"
                "<th>link</th><th>rx packets</th><th>rx bytes</th>"
                "<th>rx dropped / errors</th><th>tx packets</th><th>tx bytes</th>"
                "<th>tx dropped</th></tr>\n");
    for (int i = 0; i < st->nnics; i++) {
        const struct httpd_nic *n = &st->nics[i];
        out_esc(o, "<tr><td><b>", n->name);
        out_esc(o, "</b> ", n->driver);
        out_esc(o, "<br><small>", n->desc);
        out_esc(o, "<br>mac ", n->mac);
        out_esc(o, "<br>", n->offloads);
        html_printf(o, "<br>tcp/udp checked in software %llu</small></td><td>", (unsigned long long)n->csum_sw);
        html_escape(o, n->addr);
        if (n->link_up)
            html_printf(o, "</td><td class=\"up\">up %u Mb/s</td>", n->speed_mbps);
        else
            html_printf(o, "</td><td class=\"down\">down</td>");
        html_printf(o, "<td>%llu</td><td>%llu</td><td>%llu / %llu</td>"
                    "<td>%llu</td><td>%llu</td><td>%llu</td></tr>\n",
                    (unsigned long long)n->rx_packets, (unsigned long long)n->rx_bytes,
                    (unsigned long long)n->rx_dropped, (unsigned long long)n->rx_errors,
                    (unsigned long long)n->tx_packets, (unsigned long long)n->tx_bytes,
                    (unsigned long long)n->tx_dropped);
    }
    html_printf(o, "</table>\n");
}

/* lwIP's pools: in use, the count chosen at boot (and the configured one
 * when it was shrunk), allocations refused because the pool was empty. */
static void page_pools(struct html_out *o, const struct httpd_status *st)
{
    if (st->npools <= 0)
        return;
    html_printf(o, "<h2>lwIP pools</h2>\n<table id=\"pools\"><tr><th>pool</th><th>in use</th>"
                "<th>limit</th><th>refused</th></tr>\n");
    for (int i = 0; i < st->npools && i < HTML_MAX_POOLS; i++) {
        const struct httpd_pool *p = &st->pools[i];
        out_esc(o, "<tr><td>", p->name);
        html_printf(o, "</td><td>%u</td><td>%u", p->used, p->limit);
        if (p->limit != p->configured)
            html_printf(o, " <small>of %u</small>", p->configured);
        html_printf(o, "</td><td>%u</td></tr>\n", p->refused);
    }
    html_printf(o, "</table>\n");
}

int httpd_html_page(struct html_out *o, const struct httpd_status *st)
{
    out_esc(o, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>minnow ",
            st->version);
    html_printf(o, " status</title>\n<style>\n%s</style>\n</head>\n<body>\n<header><h1>minnow <span>", page_style);
    html_escape(o, st->version);
    html_printf(o, "</span></h1></header>\n<main>\n");
    page_cards(o, st);
    html_printf(o, "<h2>Boot timeline</h2>\n<div class=\"panel\"><p>ready in <b id=\"ready\">%llu &#181;s</b> "
                "from the first instruction (%d stages)</p>\n", (unsigned long long)st->ready_us, st->nstages);
    page_timeline(o, st);
    html_printf(o, "</div>\n");
    page_nics(o, st);
    html_printf(o, "<h2>TCP</h2>\n<table id=\"tcp\"><tr><td>TIME_WAIT reopened by a new SYN</td>"
                "<td>%lu</td></tr><tr><td>TIME_WAIT reopened by our connect()</td>"
                "<td>%lu</td></tr></table>\n", st->tw_reused_syn, st->tw_reused_connect);
    page_pools(o, st);
    out_esc(o, "<h2>PCI devices</h2>\n<pre id=\"pci\">", st->pci);
    html_printf(o, "</pre>\n</main>\n<footer>minnow, a bare-metal x86-64 unikernel &middot; "
                "plain text: <code>curl http://host/</code></footer>\n</body>\n</html>\n");
    return o->overflow ? -ENOSPC : 0;
}
