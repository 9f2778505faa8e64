/* libFuzzer target: every host->guest VMBus channel message, in every
 * connection state, against the real guest (hv/vmbus.c, hyperv.c, ring.c,
 * ic.c) driven through the host simulator (tests/hvsim/).
 *
 * hv/vmbus.c is linked as it is; the harness reaches its private state
 * (connection, GPADL table, message sizes) through the test hooks in
 * hv/vmbus_test.h, and vmbus_reset_for_tests() puts it back to zero before
 * every input: libFuzzer runs all inputs in one process, and a finding
 * must reproduce from its input alone.
 *
 * Per input: a fresh simulator (host version set, devices and trace=vmbus
 * chosen by the first byte), some raw SynIC messages queued before the
 * guest connects (they arrive while it is CONTACTING), vmbus_init(), then
 * up to 64 operations:
 *   - a message handed straight to vmbus_handle_message() (any bytes, any
 *     length up to 255);
 *   - a raw SynIC message in SINT 2's slot (any message type, payload_size
 *     up to 255), processed by the guest's worker (vmbus_poll);
 *   - a well-formed message of a chosen type whose relid / GPADL handle /
 *     open_id name live guest objects, with fuzzed fields, sent either way;
 *   - host actions (hot add, rescind, events for any relid) and guest
 *     actions (open, close, send, shutdown and reconnect), so that messages
 *     also arrive while channels are OPENING and the bus is UNLOADING;
 *   - running the worker and deferred work until idle.
 * Finally vmbus_shutdown() (UNLOADING, with queued messages).
 *
 * Invariants (abort = a finding): no sanitizer report; the channel table
 * holds at most 64 channels with distinct relids in 1..2047; the guest
 * never waits inside vmbus_poll() (a deadlock in the kernel) and never
 * misuses hv_platform.h (bad frees, ...); on every open channel the ring
 * indices the guest writes are in range and 8-aligned; vmbus_recv returns
 * only its documented codes. Simulator violations caused by the hostile
 * messages themselves (the guest answering a fake offer, ...) are expected
 * and not findings.
 *
 * Reproduce a crash: build/fuzz/fuzz_vmbus <file> (HVSIM_LOG=1 shows the
 * guest's log and the simulator's notes). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hv/hv_platform.h"
#include "hv/hyperv.h"
#include "hv/ic.h"
#include "hv/vmbus.h"
#include "hv/vmbus_test.h"
#include "kernel/core/trace.h"
#include "kernel/errno.h"
#include "tests/hvsim/hvsim.h"

TRACE_DECLARE(vmbus);
TRACE_DECLARE(ic);

#define FUZZ_NAME "fuzz_vmbus"
#include "tests/hvsim/fuzz_input.h"

/* --- Per-input reset of hv/vmbus.c's state ------------------------------------- */
static void guest_reset(void) { vmbus_reset_for_tests(); }

/* --- Invariants ----------------------------------------------------------------- */
static unsigned platform_viols;

static bool idx_ok(uint32_t i, uint32_t d) { return i < d && !(i & 7); }

static void check(const char *after)
{
    size_t nchans = vmbus_channel_count();
    if (nchans > VMBUS_MAX_CHANNELS)
        FAILF("%zu channels after %s", nchans, after);
    for (size_t i = 0; i < nchans; i++) {
        struct vmbus_channel *ch = vmbus_channel_at(i);
        if (!ch || ch->relid == 0 || ch->relid > VMBUS_MAX_RELID)
            FAILF("channel %zu: bad entry (relid %u) after %s", i, ch ? ch->relid : 0, after);
        for (size_t j = 0; j < i; j++)
            if (vmbus_channel_at(j)->relid == ch->relid)
                FAILF("relid %u twice in the channel table after %s", ch->relid, after);
        if (ch->state == VMBUS_CHAN_OPEN && ch->ring_mem) {
            if (!idx_ok(ch->out.ctl->write_index, ch->out.size))
                FAILF("relid %u: guest write_index %u (D %u) after %s", ch->relid, ch->out.ctl->write_index,
                      ch->out.size, after);
            if (!idx_ok(ch->in.ctl->read_index, ch->in.size))
                FAILF("relid %u: guest read_index %u (D %u) after %s", ch->relid, ch->in.ctl->read_index,
                      ch->in.size, after);
        }
    }
    if (hvsim_plat.nested_waits)
        FAILF("the guest waited inside vmbus_poll() (deadlock in the kernel) after %s", after);
    unsigned pv = hvsim_violation_count(HVV_PLATFORM);
    if (pv != platform_viols) {
        platform_viols = pv;
        if (!strstr(hvsim_last_violation(), "hvp_defer"))
            FAILF("platform misuse after %s: %s", after, hvsim_last_violation());
    }
}

/* Callback of channels the harness opens: drain, checking return codes. */
static void drain_cb(struct vmbus_channel *ch)
{
    static uint8_t buf[4096];
    for (int n = 0; n < 64; n++) {
        size_t len;
        struct vmbus_pkt_desc d;
        int err = vmbus_recv(ch, buf, sizeof buf, &len, &d);
        if (err != 0 && err != -EAGAIN && err != -EMSGSIZE && err != -EIO)
            FAILF("vmbus_recv returned %d", err);
        if (err == 0 && len > sizeof buf)
            FAILF("vmbus_recv returned %zu bytes into %zu", len, sizeof buf);
        if (err == -EAGAIN || err == -EIO)
            return;
    }
}

static struct vmbus_channel *pick_chan(uint8_t b)
{
    size_t n = vmbus_channel_count();
    return n ? vmbus_channel_at(b % n) : NULL;
}

static uint32_t pick_gpadl(uint8_t b)
{
    uint32_t live[VMBUS_TEST_MAX_GPADLS];
    size_t n = vmbus_test_gpadls(live, VMBUS_TEST_MAX_GPADLS);
    return n ? live[b % n] : VMBUS_GPADL_FIRST_HANDLE + b;
}

/* A well-formed message of a chosen type naming live objects. */
static size_t templated(struct in *s, uint8_t *m)
{
    static const uint32_t types[] = {
        VMBUS_MSG_OFFERCHANNEL, VMBUS_MSG_RESCIND_CHANNELOFFER, VMBUS_MSG_ALLOFFERS_DELIVERED,
        VMBUS_MSG_OPENCHANNEL_RESULT, VMBUS_MSG_GPADL_CREATED, VMBUS_MSG_GPADL_TORNDOWN,
        VMBUS_MSG_VERSION_RESPONSE, VMBUS_MSG_UNLOAD_RESPONSE,
    };
    uint8_t sel = u8(s), who = u8(s), knobs = u8(s);
    uint32_t type = types[sel % 8];
    struct vmbus_channel *ch = pick_chan(who);
    uint32_t relid = (knobs & 1) || !ch ? u8(s) % 80 : ch->relid;
    uint32_t status = (knobs & 2) ? u32(s) : 0;
    size_t len = vmbus_test_min_size(type) ? vmbus_test_min_size(type) : 8;
    memset(m, 0, HV_MESSAGE_PAYLOAD_MAX);
    ((struct vmbus_msg_hdr *)m)->type = type;
    switch (type) {
    case VMBUS_MSG_OFFERCHANNEL: {
        static const struct vmbus_guid classes[] = {
            VMBUS_GUID(0x57164f39, 0x9115, 0x4e78, 0xab, 0x55, 0x38, 0x2f, 0x3b, 0xd5, 0x42, 0x2d),
            VMBUS_GUID(0x0e0b6031, 0x5213, 0x4934, 0x81, 0x8b, 0x38, 0xd9, 0x0c, 0xed, 0x39, 0xdb),
            VMBUS_GUID(0x9527e630, 0xd0ae, 0x497b, 0xad, 0xce, 0xe8, 0x0a, 0xb0, 0x17, 0x5c, 0xaf),
            VMBUS_GUID(0xf8615163, 0xdf3e, 0x46c5, 0x91, 0x3f, 0xf2, 0xd2, 0xf9, 0x65, 0xed, 0x0e),
        };
        struct vmbus_guid inst;
        take(s, inst.b, 16);
        hvsim_make_offer((struct vmbus_msg_offer *)m, &classes[knobs >> 6], &inst,
                         (knobs & 4) ? u32(s) : relid);
        struct vmbus_msg_offer *o = (struct vmbus_msg_offer *)m;
        if (knobs & 8)
            o->sub_channel_index = (uint16_t)u8(s);
        if (knobs & 16)
            o->connection_id = u32(s);
        break;
    }
    case VMBUS_MSG_RESCIND_CHANNELOFFER:
        ((struct vmbus_msg_relid *)m)->child_relid = relid;
        break;
    case VMBUS_MSG_OPENCHANNEL_RESULT: {
        struct vmbus_msg_open_result *r = (struct vmbus_msg_open_result *)m;
        r->child_relid = relid;
        r->open_id = (knobs & 4) ? u32(s) : relid;
        r->status = status;
        break;
    }
    case VMBUS_MSG_GPADL_CREATED: {
        struct vmbus_msg_gpadl_created *g = (struct vmbus_msg_gpadl_created *)m;
        g->child_relid = relid;
        g->gpadl = (knobs & 4) ? u32(s) : pick_gpadl(u8(s));
        g->status = status;
        break;
    }
    case VMBUS_MSG_GPADL_TORNDOWN:
        ((struct vmbus_msg_gpadl_torndown *)m)->gpadl = (knobs & 4) ? u32(s) : pick_gpadl(u8(s));
        break;
    case VMBUS_MSG_VERSION_RESPONSE: {
        struct vmbus_msg_version_response *v = (struct vmbus_msg_version_response *)m;
        v->version_supported = knobs & 4 ? 1 : 0;
        v->connection_state = knobs & 8 ? u8(s) : 0;
        v->msg_conn_id = knobs & 16 ? u32(s) : 1;
        len = knobs & 32 ? 12 : 16;
        break;
    }
    default:
        break;
    }
    if (knobs & 0x20 && type != VMBUS_MSG_VERSION_RESPONSE)
        len = u8(s) % (HV_MESSAGE_PAYLOAD_MAX + 16);   /* sizes off by some */
    return len;
}

static struct hvsim_echo echoes[4];
static struct hvsim_ic ics[3];
static unsigned nechoes;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct in s = { data, size };
    uint8_t cfgb = u8(&s);
    struct hvsim_config cfg = { .mem_pages = 1024 };
    switch ((cfgb >> 1) & 3) {
    case 1:                 /* an older host: connection id 1, interrupt page */
        cfg.versions[0] = VMBUS_VERSION_WIN10;
        cfg.nversions = 1;
        break;
    case 2:                 /* 5.x with another message connection id */
        cfg.versions[0] = VMBUS_VERSION_WIN10_RS5;
        cfg.nversions = 1;
        cfg.msg_conn_id = 4;
        break;
    case 3:
        cfg.versions[0] = VMBUS_VERSION_WIN8;
        cfg.nversions = 1;
        break;
    }
    hvsim_init(&cfg);
    hvsim_set_verbose(false);
    hvsim_log_clear();
    guest_reset();
    platform_viols = 0;
    trace_vmbus = trace_ic = cfgb & 1;
    nechoes = 0;
    if (cfgb & 0x08)
        hvsim_add_echo(&echoes[nechoes++], 0);
    if (cfgb & 0x10)
        hvsim_add_ic(&ics[0], HVSIM_IC_HEARTBEAT, 0);
    if (cfgb & 0x20)
        hvsim_add_ic(&ics[1], HVSIM_IC_SHUTDOWN, 0);
    if (cfgb & 0x40)
        hvsim_add_ic(&ics[2], HVSIM_IC_TIMESYNC, 0);

    uint8_t m[256];
    /* Raw messages that arrive before and during the handshake. */
    for (unsigned pre = u8(&s) % 4; pre; pre--) {
        uint8_t len = u8(&s);
        take(&s, m, len);
        hvsim_send_vmbus(m, len > HV_MESSAGE_PAYLOAD_MAX ? HV_MESSAGE_PAYLOAD_MAX : len);
    }
    if (hv_detect() && hv_synic_init() == 0)
        vmbus_init();
    check("vmbus_init");

    for (int ops = 0; ops < 64 && s.n; ops++) {
        uint8_t op = u8(&s);
        const char *what = "?";
        switch (op % 8) {
        case 0:
        case 1: {
            uint8_t len = u8(&s);
            take(&s, m, len);
            vmbus_handle_message(m, len);
            what = "vmbus_handle_message";
            break;
        }
        case 2: {                   /* raw SynIC slot contents */
            uint8_t len = u8(&s);
            uint32_t type = (op & 0x80) ? u32(&s) : HV_MESSAGE_TYPE_VMBUS;
            take(&s, m, len);
            hvsim_post_to_guest(VMBUS_SINT, type, m, len);
            hvsim_run_until_idle();
            what = "SynIC message";
            break;
        }
        case 3: {
            size_t len = templated(&s, m);
            if (op & 0x80) {
                hvsim_send_vmbus(m, len > HV_MESSAGE_PAYLOAD_MAX ? HV_MESSAGE_PAYLOAD_MAX : len);
                if (op & 0x40)
                    hvsim_run_until_idle();
            } else {
                vmbus_handle_message(m, len);
            }
            what = "templated message";
            break;
        }
        case 4:
            hvsim_run_until_idle();
            what = "run until idle";
            break;
        case 5: {                   /* guest actions */
            uint8_t a = u8(&s);
            struct vmbus_channel *ch = pick_chan(u8(&s));
            what = "guest action";
            switch (a % 5) {
            case 0:
                if (ch && ch->state == VMBUS_CHAN_OFFERED && !ch->driver)
                    vmbus_open(ch, 8192, 8192, NULL, 0, drain_cb);
                break;
            case 1:
                if (ch && !ch->driver)
                    vmbus_close(ch);
                break;
            case 2:
                if (ch) {
                    uint8_t len = u8(&s);
                    take(&s, m, len);
                    vmbus_send(ch, VMBUS_PKT_DATA_INBAND, a >> 7, u32(&s), m, len);
                }
                break;
            case 3:                 /* poweroff path: UNLOAD while messages arrive */
                vmbus_shutdown();
                break;
            default:
                if (!vmbus_test_connected() && hv_detect() && hv_synic_init() == 0)
                    vmbus_init();
                break;
            }
            break;
        }
        case 6: {                   /* host actions */
            uint8_t a = u8(&s), b = u8(&s);
            struct vmbus_channel *ch = pick_chan(b);
            struct hvsim_chan *hc = ch ? hvsim_chan_by_relid(ch->relid) : NULL;
            what = "host action";
            if (a % 3 == 0 && nechoes < 4)
                hvsim_add_echo(&echoes[nechoes++], 0);
            else if (a % 3 == 1 && hc)
                hvsim_rescind(hc);
            else if (hc && hvsim_chan_is_open(hc))
                hvsim_chan_send(hc, VMBUS_PKT_DATA_INBAND, 0, b, m, a);
            if (a & 0x80)
                hvsim_run_until_idle();
            break;
        }
        default: {                  /* an event for any relid */
            uint8_t b = u8(&s);
            struct vmbus_channel *ch = pick_chan(b);
            hvsim_signal_guest((op & 0x80) || !ch ? (uint32_t)u8(&s) * 8 + (b & 7) : ch->relid);
            hvsim_run_until_idle();
            what = "event";
            break;
        }
        }
        check(what);
    }
    hvsim_run_until_idle();
    check("final run");
    vmbus_shutdown();
    check("vmbus_shutdown");
    guest_reset();
    hvsim_fini();
    return 0;
}
