/* libFuzzer target: netvsc's RNDIS parser (hv/netvsc_rndis.c) under a
 * hostile host. Per input: a fresh simulator and guest with netvsc
 * attached (tests/hvsim/fuzz_netvsc.h), then up to 64 records, each
 * followed by running the guest until idle:
 *   - an RNDIS message in a receive slot: a PACKET (data and per-packet
 *     info offsets and lengths from the input, often consistent), an
 *     INDICATE_STATUS, a KEEPALIVE, a completion of any kind or any type;
 *     its length field consistent or not, the range's byte_count the
 *     whole slot, the exact length, or any value up to the slot;
 *   - a frame with a checksum per-packet info of any bits;
 *   - a link indication.
 * Invariants in fuzz_netvsc.h. Reproduce: build/fuzz/fuzz_rndis <file>. */
#define FUZZ_NAME "fuzz_rndis"
#include "tests/hvsim/fuzz_netvsc.h"

static const uint32_t types[] = {
    RNDIS_MSG_PACKET, RNDIS_MSG_INDICATE, RNDIS_MSG_KEEPALIVE, RNDIS_MSG_INIT | RNDIS_MSG_CMPLT,
    RNDIS_MSG_QUERY | RNDIS_MSG_CMPLT, RNDIS_MSG_SET | RNDIS_MSG_CMPLT, RNDIS_MSG_RESET | RNDIS_MSG_CMPLT,
    RNDIS_MSG_KEEPALIVE | RNDIS_MSG_CMPLT,
};

/* A message into buf (cap bytes); returns its length. */
static size_t message(struct in *s, uint8_t *buf, size_t cap)
{
    uint8_t k = u8(s);
    size_t len = (k & 0x80) ? u16(s) % cap : 44 + u8(s) * 4u;
    if (len > cap)
        len = cap;
    take(s, buf, len);
    if (len < 8)
        return len;
    uint32_t type = (k & 0x40) ? u32(s) : types[k % 8];
    uint32_t mlen = (k & 0x20) ? u32(s) : (uint32_t)len;
    memcpy(buf, &type, 4);
    memcpy(buf + 4, &mlen, 4);
    if (type == RNDIS_MSG_PACKET && len >= 44 && !(k & 0x10)) {
        /* Offsets that point into the message, per-packet info often a checksum element. */
        uint32_t body = (uint32_t)len - 8, ppi_len = u8(s) % 3 * 16, data_off = 36 + ppi_len;
        uint32_t data_len = data_off < body ? u16(s) % (body - data_off + 1) : 0;
        uint32_t f[7] = { data_off, data_len, 0, 0, 0, ppi_len ? 36 : 0, ppi_len };
        memcpy(buf + 8, f, sizeof f);
        for (uint32_t at = 44; at + 16 <= 44 + ppi_len && at + 16 <= len; at += 16) {
            uint32_t e[4] = { 16, u8(s) % 2 ? RNDIS_PPI_CSUM : u32(s), 12, u32(s) };
            memcpy(buf + at, e, sizeof e);
        }
    }
    return len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct in s = { data, size };
    struct netvsc *nv = nv_up(&s);
    static uint8_t buf[2048];
    for (int ops = 0; ops < 64 && s.n; ops++) {
        uint8_t op = u8(&s);
        const char *what = "?";
        if (op % 4 <= 1) {
            size_t len = message(&s, buf, host.sub_size);
            uint8_t bc = u8(&s);
            uint32_t byte_count = bc % 3 == 0 ? 0 : bc % 3 == 1 ? (uint32_t)len : u32(&s) % (host.sub_size + 1);
            hvsim_netvsc_raw_rndis(&host, buf, len, byte_count);
            what = "RNDIS message";
        } else if (op % 4 == 2) {
            size_t len = 14 + u16(&s) % 1501;
            take(&s, buf, len);
            hvsim_netvsc_rx(&host, buf, len, u32(&s));
            what = "frame with checksum info";
        } else {
            hvsim_netvsc_link(&host, op & 0x80);
            what = "link indication";
        }
        hvsim_run_until_idle();
        nv_check(what);
    }
    (void)nv;
    nv_down();
    return 0;
}
