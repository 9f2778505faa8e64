/* libFuzzer target: the integration-service packet handler (hv/ic.c) on
 * open IC channels, fed by a hostile host through the simulator.
 *
 * The host side of the three IC channels (heartbeat, shutdown, timesync)
 * is the fuzzer itself: devices with the IC class GUIDs that accept the
 * open and ignore the guest's replies. Per input: a fresh simulator and
 * guest (vmbus_reset_for_tests() from hv/vmbus_test.h, as in fuzz_vmbus.c),
 * the guest's IC drivers probe and open their channels, then up to 64
 * records, each followed by running the guest's worker until idle:
 *   - a well-formed IC message (pipe header, IC header with consistent
 *     sizes, a chosen message type, fuzzed body) as an in-band packet;
 *   - any bytes as an in-band packet (any length up to 5000; > 4096 is
 *     the IC buffer's limit) with any packet type and flags;
 *   - raw bytes at the host's write index with any advance (framing);
 *   - new host->guest ring indices.
 * Invariants: no sanitizer report (ic.c's packet buffer is a 4 KiB static
 * array, so ASan sees overruns of it); no wait inside vmbus_poll(); no
 * platform misuse; the guest's ring indices stay in range and aligned.
 * Reproduce: build/fuzz/fuzz_ic <file>. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hv/hv_platform.h"
#include "hv/hyperv.h"
#include "hv/ic.h"
#include "hv/vmbus.h"
#include "hv/vmbus_test.h"
#include "kernel/errno.h"
#include "hv/ic_reg.h"
#include "tests/hvsim/hvsim.h"

#define FUZZ_NAME "fuzz_ic"
#include "tests/hvsim/fuzz_input.h"

static void guest_reset(void) { vmbus_reset_for_tests(); }

/* The fuzzer's host side of an IC channel. */
static int host_open(struct hvsim_chan *ch, const uint8_t *user_data)
{
    (void)ch;
    (void)user_data;
    return 0;
}
static void host_packet(struct hvsim_chan *ch, const struct vmbus_pkt_desc *d, const uint8_t *p, uint32_t len)
{
    (void)ch;
    (void)d;
    (void)p;
    (void)len;
}
#define IC_OPS(n_, a, b, c, d0, d1, e0, e1, e2, e3, e4, e5)                                 \
    { .name = n_, .class_id = VMBUS_GUID(a, b, c, d0, d1, e0, e1, e2, e3, e4, e5),          \
      .instance_id = VMBUS_GUID(a, b, c, d0, d1, e0, e1, e2, e3, e4, 0x99),                 \
      .chn_flags = 0x11, .on_open = host_open, .on_packet = host_packet }
static const struct hvsim_dev_ops ic_ops[3] = {
    IC_OPS("fuzz-heartbeat", 0x57164f39, 0x9115, 0x4e78, 0xab, 0x55, 0x38, 0x2f, 0x3b, 0xd5, 0x42, 0x2d),
    IC_OPS("fuzz-shutdown", 0x0e0b6031, 0x5213, 0x4934, 0x81, 0x8b, 0x38, 0xd9, 0x0c, 0xed, 0x39, 0xdb),
    IC_OPS("fuzz-timesync", 0x9527e630, 0xd0ae, 0x497b, 0xad, 0xce, 0xe8, 0x0a, 0xb0, 0x17, 0x5c, 0xaf),
};

static unsigned platform_viols;

static bool idx_ok(uint32_t i, uint32_t d) { return i < d && !(i & 7); }

/* The guest-owned indices as the host left them: only what the guest
 * itself writes afterwards is checked (the host may write anything). */
static uint32_t snap_w[VMBUS_MAX_CHANNELS], snap_r[VMBUS_MAX_CHANNELS];

static void snapshot(void)
{
    for (size_t i = 0; i < vmbus_channel_count(); i++) {
        struct vmbus_channel *ch = vmbus_channel_at(i);
        if (ch->state == VMBUS_CHAN_OPEN && ch->ring_mem) {
            snap_w[i] = ch->out.ctl->write_index;
            snap_r[i] = ch->in.ctl->read_index;
        }
    }
}

static void check(const char *after)
{
    for (size_t i = 0; i < vmbus_channel_count(); i++) {
        struct vmbus_channel *ch = vmbus_channel_at(i);
        if (ch->state == VMBUS_CHAN_OPEN && ch->ring_mem) {
            if (ch->out.ctl->write_index != snap_w[i] && !idx_ok(ch->out.ctl->write_index, ch->out.size))
                FAILF("relid %u: guest write_index %u (D %u) after %s", ch->relid, ch->out.ctl->write_index,
                      ch->out.size, after);
            if (ch->in.ctl->read_index != snap_r[i] && !idx_ok(ch->in.ctl->read_index, ch->in.size))
                FAILF("relid %u: guest read_index %u (D %u) after %s", ch->relid, ch->in.ctl->read_index,
                      ch->in.size, after);
        }
    }
    if (hvsim_plat.nested_waits)
        FAILF("the guest waited inside vmbus_poll() after %s", after);
    unsigned pv = hvsim_violation_count(HVV_PLATFORM);
    if (pv != platform_viols) {
        platform_viols = pv;
        if (!strstr(hvsim_last_violation(), "hvp_defer"))
            FAILF("platform misuse after %s: %s", after, hvsim_last_violation());
    }
}

/* A well-formed IC message into buf; returns its length. */
static size_t ic_message(struct in *s, uint8_t *buf, size_t cap)
{
    uint8_t knobs = u8(s);
    uint16_t body_len = (knobs & 0x80) ? u16(s) % 300 : u8(s) % 64;
    size_t len = IC_HDRS_SIZE + body_len;
    if (len > cap)
        len = cap;
    memset(buf, 0, len);
    struct ic_pipe_hdr *p = (struct ic_pipe_hdr *)buf;
    struct ic_hdr *h = (struct ic_hdr *)(buf + sizeof *p);
    p->type = (knobs & 0x40) ? u32(s) : IC_PIPE_TYPE_DATA;
    p->size = (uint32_t)(len - sizeof *p);
    h->framework.major = (knobs & 1) ? 3 : 1;
    h->type = (knobs & 0x20) ? u16(s) : (uint16_t)((knobs >> 1) % 5);
    h->msg_version.major = u8(s) % 5;
    h->msg_version.minor = u8(s) % 3;
    h->msg_size = (uint16_t)((knobs & 0x10) ? u16(s) : body_len);
    h->transaction_id = u8(s);
    h->flags = (knobs & 0x08) ? u8(s) : IC_FLAG_TRANSACTION | IC_FLAG_REQUEST;
    uint8_t *body = buf + IC_HDRS_SIZE;
    if (h->type == IC_MSG_NEGOTIATE && body_len >= 8 && !(knobs & 0x20)) {
        /* counts that fit, versions from a small alphabet */
        struct ic_negotiate *n = (struct ic_negotiate *)body;
        unsigned room = (body_len - 8) / 4;
        n->framework_count = (uint16_t)(room ? u8(s) % (room + 1) : 0);
        n->msg_count = (uint16_t)(room - n->framework_count ? u8(s) % (room - n->framework_count + 1) : 0);
        for (unsigned i = 0; i < room; i++)
            n->versions[i] = (struct ic_version){ (uint16_t)(u8(s) % 5), (uint16_t)(u8(s) % 3) };
    } else {
        take(s, body, body_len);
    }
    return len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct in s = { data, size };
    hvsim_init(&(struct hvsim_config){ .mem_pages = 512 });
    hvsim_set_verbose(false);
    hvsim_log_clear();
    guest_reset();
    platform_viols = 0;
    memset(&ic_stats, 0, sizeof ic_stats);
    struct hvsim_chan *hc[3];
    for (int i = 0; i < 3; i++)
        hc[i] = hvsim_add_device(&ic_ops[i], NULL, 0);
    if (!hv_detect() || hv_synic_init() || vmbus_init())
        FAILF("the guest did not come up: %s", hvsim_log_text());
    memset(snap_w, 0xFF, sizeof snap_w);
    memset(snap_r, 0xFF, sizeof snap_r);
    hvsim_run_until_idle();
    for (int i = 0; i < 3; i++)
        if (!hvsim_chan_is_open(hc[i]))
            FAILF("IC channel %d not opened by the guest", i);
    check("vmbus_init");

    static uint8_t buf[5200];
    for (int ops = 0; ops < 64 && s.n; ops++) {
        uint8_t op = u8(&s);
        struct hvsim_chan *ch = hc[op % 3];
        const char *what = "?";
        if (!hvsim_chan_is_open(ch))
            continue;
        switch ((op >> 2) % 6) {
        case 0:
        case 1:
        case 2: {
            size_t len = ic_message(&s, buf, sizeof buf);
            hvsim_chan_send(ch, VMBUS_PKT_DATA_INBAND, 0, u32(&s), buf, len);
            what = "IC message";
            break;
        }
        case 3: {
            size_t len = u16(&s) % 5000;
            uint16_t type = (op & 0x80) ? u16(&s) : VMBUS_PKT_DATA_INBAND;
            take(&s, buf, len);
            hvsim_chan_send(ch, type, u8(&s), u32(&s), buf, len);
            what = "raw packet";
            break;
        }
        case 4: {
            size_t len = u8(&s);
            uint32_t advance = (op & 0x80) ? u32(&s) : (uint32_t)((len + 7) & ~7u);
            take(&s, buf, len);
            hvsim_ring_write_raw(ch, buf, len, advance);
            what = "raw ring bytes";
            break;
        }
        default: {
            uint32_t d = hvsim_ring_data_size(ch, true);
            uint32_t w = u32(&s), r = u32(&s);
            if (!(op & 0x80)) {
                w = (w % d) & ~7u;
                r = (r % d) & ~7u;
            }
            hvsim_ring_set_indices(ch, true, w, r);
            what = "ring indices";
            break;
        }
        }
        snapshot();
        hvsim_run_until_idle();
        check(what);
    }
    vmbus_shutdown();
    check("vmbus_shutdown");
    guest_reset();
    hvsim_fini();
    return 0;
}
