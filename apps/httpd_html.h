/* app=httpd's HTML status page: what a browser gets for GET / when its
 * Accept header names text/html (curl and other clients keep the plain-text
 * page, apps/httpd.c).
 *
 * httpd.c gathers the figures into a struct httpd_status (plain data, no
 * kernel calls here), and httpd_html_page() writes one self-contained
 * HTML5 document: inline CSS, the boot timeline as an inline SVG bar chart,
 * no scripts and no external resources. Every string from outside this
 * file (CPU brand, NIC descriptions, PCI lines) is escaped.
 *
 * The pure pieces are exported for the host unit tests
 * (tests/unit/test_httpd_html.c). */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HTML_MAX_STAGES 32
#define HTML_MAX_NICS   8
#define HTML_MAX_POOLS  32

/* An output buffer of fixed capacity; `overflow` is set (and the text cut)
 * when something did not fit. */
struct html_out {
    char *p;
    size_t len, cap;
    bool overflow;
};

void html_out_init(struct html_out *o, char *buf, size_t cap);
void html_printf(struct html_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends s with &, <, >, " and ' as character references (HTML Living
 * Standard 13.1.4 "Character references"), so that the text is safe in
 * element content and in quoted attribute values; control characters other
 * than tab and newline and every byte >= 0x80 become '?' (the page stays
 * ASCII, hence valid UTF-8 whatever the device sent). */
void html_escape(struct html_out *o, const char *s);

/* Days since 1970-01-01 to a proleptic Gregorian date (H. Hinnant,
 * "chrono-Compatible Low-Level Date Algorithms", civil_from_days). */
void html_civil_from_days(int64_t days, int64_t *year, unsigned *month, unsigned *day);
/* Unix seconds as "YYYY-MM-DD hh:mm:ss UTC" into buf (at least 24 bytes).
 * 0, -EINVAL when buf is too small, -ERANGE past the year 9999. */
int html_format_utc(uint64_t unix_s, char *buf, size_t size);

/* The length in pixels of a bar for `value` on a scale where `max` spans
 * `width` pixels: rounded to nearest, at least 1 for a non-zero value (a
 * stage of a few microseconds stays visible), never more than width. */
unsigned html_bar_px(uint64_t value, uint64_t max, unsigned width);

struct httpd_stage {
    const char *name;
    uint64_t at_us;             /* end of the stage, since the first instruction */
    uint64_t us;                /* its own duration */
};

struct httpd_nic {
    char name[16], driver[16], desc[48], mac[18], addr[16];
    char offloads[128];
    bool link_up;
    unsigned speed_mbps;
    uint64_t rx_packets, rx_bytes, rx_dropped, rx_errors;
    uint64_t tx_packets, tx_bytes, tx_dropped;
    uint64_t csum_sw;           /* TCP/UDP checksums verified in software */
};

struct httpd_pool {
    const char *name;
    uint32_t configured, limit, used, refused;
};

struct httpd_status {
    const char *version, *hypervisor, *cpu;
    uint64_t uptime_ms;
    uint64_t wall_s;            /* Unix seconds, 0 when unknown */
    uint64_t ready_us;          /* the boot's total */
    int nstages;
    struct httpd_stage stages[HTML_MAX_STAGES];
    int nnics;
    struct httpd_nic nics[HTML_MAX_NICS];
    unsigned long tw_reused_syn, tw_reused_connect;
    int npools;                 /* lwIP's pools (net/lwip/pools.h) */
    struct httpd_pool pools[HTML_MAX_POOLS];
    const char *pci;            /* the PCI listing, one device per line (may be NULL) */
};

/* The whole document into o. 0, or -ENOSPC when it did not fit. */
int httpd_html_page(struct html_out *o, const struct httpd_status *st);
