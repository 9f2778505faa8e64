/* The hosted e1000 test fixture: see e1000_fixture.h. */
#include <stdlib.h>
#include <string.h>
#include "tests/devsim/e1000_fixture.h"
#include "tests/unit/test.h"
#include "net/e1000_test.h"

const uint8_t fx_mac[6] = { 0x52, 0x54, 0x00, 0xab, 0xcd, 0xef };
static const uint8_t peer_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };

void fx_model(struct fx *f, enum e1000m_kind kind)
{
    *f = (struct fx){ 0 };
    host_reset();
    devhost_reset();
    host.heap_live = 0;
    f->m = e1000m_new(kind, fx_mac, 2);
}

int fx_probe(struct fx *f)
{
    f->probe = e1000_test_probe(&f->m->dev.pci);
    f->nd = f->probe == 0 ? host.nd : NULL;
    return f->probe;
}

bool fx_up(struct fx *f, enum e1000m_kind kind)
{
    fx_model(f, kind);
    int r = fx_probe(f);
    CHECK_EQ(r, 0);
    return r == 0 && f->nd;
}

unsigned fx_pump_n(struct fx *f, unsigned max)
{
    unsigned busy = 0;
    for (unsigned i = 0; i < max; i++) {
        bool irq = devhost_irq_deliver(&f->m->dev);
        bool ran = f->nd && e1000_test_service(f->nd);
        if (!irq && !ran)
            break;
        busy++;
    }
    return busy;
}

void fx_end(struct fx *f)
{
    if (f->m) {
        e1000_test_release(&f->m->dev.pci);
        e1000m_free(f->m);
    }
    CHECK_EQ(devhost_dma_live(), 0);
    CHECK_EQ(host.heap_live, 0);
    CHECK_EQ(devhost_dma_violations(), 0);
    devhost_reset();
    host_reset();
    free(host.rx);
    host.rx = NULL;
    *f = (struct fx){ 0 };
}

/* ---- Frames ------------------------------------------------------------------ */

static void eth_header(uint8_t *buf, uint16_t type)
{
    memcpy(buf, fx_mac, 6);
    memcpy(buf + 6, peer_mac, 6);
    buf[12] = (uint8_t)(type >> 8);
    buf[13] = (uint8_t)type;
}

size_t fx_frame(uint8_t *buf, size_t len, unsigned seq)
{
    eth_header(buf, 0x88B5);
    for (size_t i = 14; i < len; i++)
        buf[i] = (uint8_t)(seq * 7 + i);
    if (len >= 18) {                    /* the sequence number, readable */
        buf[14] = (uint8_t)(seq >> 24), buf[15] = (uint8_t)(seq >> 16);
        buf[16] = (uint8_t)(seq >> 8), buf[17] = (uint8_t)seq;
    }
    return len;
}

static uint32_t sum16(const uint8_t *p, size_t n, uint32_t sum)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        sum += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (n & 1)
        sum += (uint32_t)p[n - 1] << 8;
    return sum;
}

static uint16_t fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xFFFF) + (sum >> 16);
    return (uint16_t)sum;
}

uint16_t fx_ip_sum(const uint8_t *f)
{
    return fold(sum16(f + 14, (f[14] & 0xFu) * 4, 0));
}

uint16_t fx_l4_sum(const uint8_t *f)
{
    const uint8_t *ip = f + 14;
    unsigned hl = (ip[0] & 0xFu) * 4, tot = (unsigned)(ip[2] << 8 | ip[3]);
    uint32_t s = sum16(ip + 12, 8, 0) + ip[9] + (tot - hl);
    return fold(sum16(ip + hl, tot - hl, s));
}

void fx_ip_fix(uint8_t *f)
{
    uint8_t *ip = f + 14;
    unsigned hl = (ip[0] & 0xFu) * 4;
    unsigned at = ip[9] == 6 ? 16 : 6;
    ip[10] = ip[11] = 0;
    uint16_t c = (uint16_t)~fx_ip_sum(f);
    ip[10] = (uint8_t)(c >> 8), ip[11] = (uint8_t)c;
    ip[hl + at] = ip[hl + at + 1] = 0;
    c = (uint16_t)~fx_l4_sum(f);
    if (ip[9] == 17 && c == 0)
        c = 0xFFFF;                     /* RFC 768: 0 means "no checksum" */
    ip[hl + at] = (uint8_t)(c >> 8), ip[hl + at + 1] = (uint8_t)c;
}

size_t fx_ip_frame(uint8_t *buf, unsigned ip_hlen, uint8_t proto, size_t payload, unsigned seq)
{
    unsigned l4 = proto == 6 ? 20 : 8;
    size_t tot = ip_hlen + l4 + payload;
    eth_header(buf, 0x0800);
    uint8_t *ip = buf + 14;
    memset(ip, 0, ip_hlen + l4);
    ip[0] = (uint8_t)(0x40 | ip_hlen / 4);
    ip[2] = (uint8_t)(tot >> 8), ip[3] = (uint8_t)tot;
    ip[4] = (uint8_t)(seq >> 8), ip[5] = (uint8_t)seq;
    ip[6] = 0x40;                       /* DF */
    ip[8] = 64, ip[9] = proto;
    const uint8_t src[4] = { 10, 0, 2, 2 }, dst[4] = { 10, 0, 2, 15 };
    memcpy(ip + 12, src, 4);
    memcpy(ip + 16, dst, 4);
    for (unsigned i = 20; i < ip_hlen; i++)
        ip[i] = 1;                      /* NOP options */
    uint8_t *t = ip + ip_hlen;
    t[0] = 0x1F, t[1] = 0x90, t[2] = (uint8_t)(seq >> 8), t[3] = (uint8_t)seq;
    if (proto == 6) {
        t[4] = (uint8_t)(seq >> 24), t[7] = (uint8_t)seq;   /* sequence number */
        t[12] = 0x50, t[13] = 0x18;     /* data offset 5, PSH|ACK */
        t[14] = 0xFF, t[15] = 0xFF;     /* window */
    } else {
        t[4] = (uint8_t)((l4 + payload) >> 8), t[5] = (uint8_t)(l4 + payload);
    }
    for (size_t i = 0; i < payload; i++)
        t[l4 + i] = (uint8_t)(seq + i * 3);
    fx_ip_fix(buf);
    return 14 + tot;
}
