/* Hosted tests of hv/vmbus_chan.c (GPA-direct sends, transfer-page
 * receives and their completions) against the strict host simulator's echo
 * device: it reads what GPA-direct ranges name from guest memory, sends
 * transfer-page packets and checks their completions. Each test runs in a
 * forked child; correct traffic must leave zero simulator violations,
 * hostile traffic must be refused by the guest (which keeps running) or,
 * for a misbehaving guest, by the simulator. */
#include <sys/wait.h>
#include <unistd.h>
#include "hv/hv_platform.h"
#include "hv/hyperv.h"
#include "hv/vmbus.h"
#include "hv/vmbus_xact.h"
#include "kernel/errno.h"
#include "lib/string.h"
#include "tests/hvsim/hvsim.h"
#include "tests/unit/test.h"
#include "tests/hvsim/isolated.h"


/* --- Helpers ------------------------------------------------------------------------ */
#define RXBUF_ID   0xCAFE      /* netvsc's receive-buffer set id (Linux netvsc.h NETVSC_RECEIVE_BUFFER_ID) */
#define RXBUF_SIZE 65536u

/* What the driver side saw, on the worker. */
static struct {
    unsigned pkts, errors, comps, completed;
    int last_err;
    struct vmbus_rx_pkt last;
    struct vmbus_xfer_range ranges[8];
    uint8_t buf[256];
    size_t max_ranges;
    bool no_complete;
} drv;

static struct vmbus_xact_ctx xctx;

/* A netvsc-like receive loop: every transfer-page packet is completed,
 * refused or not, so the host gets its ranges back (Linux netvsc_receive). */
static void chan_event(struct vmbus_channel *ch)
{
    for (;;) {
        struct vmbus_rx_pkt p;
        struct vmbus_xfer_range r[8];
        uint8_t tmp[256];
        int err = vmbus_recv_pkt(ch, tmp, sizeof tmp, &p, r, drv.max_ranges);
        if (err == -EAGAIN || err == -EIO)
            return;
        drv.last_err = err;
        drv.last = p;
        if (err)
            drv.errors++;
        else
            drv.pkts++;
        if (p.type == VMBUS_PKT_COMP) {
            drv.comps++;
            if (!err)
                vmbus_xact_complete(&xctx, p.trans_id, tmp, p.len);
            continue;
        }
        if (!err) {
            memcpy(drv.ranges, r, p.nranges * sizeof *r);
            memcpy(drv.buf, tmp, p.len);
        }
        if (p.type == VMBUS_PKT_DATA_XFER_PAGES && !drv.no_complete &&
            vmbus_send_comp(ch, p.trans_id, NULL, 0) == 0)
            drv.completed++;
    }
}

static struct vmbus_channel *echo_up(struct hvsim_echo *e, struct hvsim_chan **hc)
{
    hvsim_init(NULL);
    *hc = hvsim_add_echo(e, 0);
    memset(&drv, 0, sizeof drv);
    drv.max_ranges = 8;
    vmbus_xact_init(&xctx);
    if (!hv_detect() || hv_synic_init() || vmbus_init())
        return NULL;
    for (size_t i = 0; i < vmbus_channel_count(); i++) {
        struct vmbus_channel *ch = vmbus_channel_at(i);
        if (vmbus_guid_eq(&ch->offer.if_type, &hvsim_echo_class))
            return vmbus_open(ch, 4 * 4096, 4 * 4096, NULL, 0, chan_event) ? NULL : ch;
    }
    return NULL;
}

/* --- GPA direct --------------------------------------------------------------------- */
ISOLATED_TEST(gpa_direct_two_ranges_reach_the_host)
{
    static struct hvsim_echo e;
    struct hvsim_chan *hc;
    struct vmbus_channel *ch = echo_up(&e, &hc);
    REQUIRE(ch);
    uint64_t phys;
    uint8_t *mem = hvp_alloc_pages(3, &phys);
    REQUIRE(mem);
    for (size_t i = 0; i < 3 * 4096; i++)
        mem[i] = (uint8_t)(i * 7 + 3);
    uint64_t pfn0[2] = { phys >> 12, (phys >> 12) + 1 }, pfn1[1] = { (phys >> 12) + 2 };
    struct vmbus_gpa_buf b[2] = {
        { .offset = 100, .len = 5000, .pfns = pfn0, .npfns = 2 },   /* crosses a page */
        { .offset = 0, .len = 300, .pfns = pfn1, .npfns = 1 },
    };
    REQUIRE(vmbus_send_gpa(ch, VMBUS_PKT_FLAG_COMPLETION_REQUESTED, 42, b, 2, "srb!", 4) == 0);
    hvsim_run_until_idle();
    CHECK_EQ(e.gpa_packets, 1);
    CHECK_EQ(e.gpa_ranges, 2);
    CHECK_EQ(e.gpa_len, 5300);
    CHECK(memcmp(e.gpa_data, mem + 100, 5000) == 0);
    CHECK(memcmp(e.gpa_data + 5000, mem + 8192, 300) == 0);
    CHECK_EQ(e.gpa_inband_len, 8);                  /* the host sees the padded payload */
    CHECK(memcmp(e.gpa_inband, "srb!\0\0\0\0", 8) == 0);
    CHECK_EQ(drv.comps, 1);
    CHECK_EQ(drv.last.trans_id, 42);
    CHECK_EQ(hvsim_violations(), 0);
}

ISOLATED_TEST(gpa_direct_malformed_ranges_are_refused_before_the_ring)
{
    static struct hvsim_echo e;
    struct hvsim_chan *hc;
    struct vmbus_channel *ch = echo_up(&e, &hc);
    REQUIRE(ch);
    uint64_t pfns[3] = { 0x200, 0x201, 0x202 };
    struct vmbus_gpa_buf ok = { .offset = 0, .len = 4096, .pfns = pfns, .npfns = 1 };
    struct vmbus_gpa_buf bad[] = {
        { .offset = 0, .len = 0, .pfns = pfns, .npfns = 1 },          /* empty */
        { .offset = 4096, .len = 10, .pfns = pfns, .npfns = 2 },      /* offset past the page */
        { .offset = 10, .len = 4096, .pfns = pfns, .npfns = 1 },      /* touches 2 pages, lists 1 */
        { .offset = 0, .len = 100, .pfns = pfns, .npfns = 2 },        /* lists a page it does not touch */
        { .offset = 0, .len = 100, .pfns = NULL, .npfns = 1 },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_EQ(vmbus_send_gpa(ch, 0, 1, &bad[i], 1, NULL, 0), -EINVAL);
    uint64_t huge = UINT64_MAX;
    struct vmbus_gpa_buf hb = { .offset = 0, .len = 1, .pfns = &huge, .npfns = 1 };
    CHECK_EQ(vmbus_send_gpa(ch, 0, 1, &hb, 1, NULL, 0), -EINVAL);
    CHECK_EQ(vmbus_send_gpa(ch, 0, 1, &ok, 0, NULL, 0), -EINVAL);
    struct vmbus_gpa_buf many[VMBUS_GPA_MAX_BUFS + 1];
    for (size_t i = 0; i <= VMBUS_GPA_MAX_BUFS; i++)
        many[i] = ok;
    CHECK_EQ(vmbus_send_gpa(ch, 0, 1, many, VMBUS_GPA_MAX_BUFS + 1, NULL, 0), -EINVAL);
    /* 8 MiB in one range lists 2048 PFNs (16 KiB), more than the 12 KiB
     * ring: refused as never fitting, not queued. */
    static uint64_t big[2048];
    struct vmbus_gpa_buf bigb = { .offset = 0, .len = 8u << 20, .pfns = big, .npfns = 2048 };
    CHECK_EQ(vmbus_send_gpa(ch, 0, 1, &bigb, 1, NULL, 0), -EMSGSIZE);
    hvsim_run_until_idle();
    CHECK_EQ(e.gpa_packets, 0);
    CHECK_EQ(ch->state, VMBUS_CHAN_OPEN);
    CHECK_EQ(hvsim_violations(), 0);
}

/* The host's half checks every PFN against guest memory: a range the
 * guest's own checks cannot judge (a valid PFN outside RAM) is refused by
 * the simulator, and it stops using the ring as Hyper-V would. */
ISOLATED_TEST(simulator_refuses_gpa_outside_guest_memory)
{
    static struct hvsim_echo e;
    struct hvsim_chan *hc;
    struct vmbus_channel *ch = echo_up(&e, &hc);
    REQUIRE(ch);
    hvsim_set_verbose(false);
    uint64_t pfn = 0x7ffffff0;
    struct vmbus_gpa_buf b = { .offset = 0, .len = 64, .pfns = &pfn, .npfns = 1 };
    REQUIRE(vmbus_send_gpa(ch, 0, 5, &b, 1, NULL, 0) == 0);
    hvsim_run_until_idle();
    CHECK_EQ(e.gpa_packets, 0);
    CHECK_EQ(hvsim_violation_count(HVV_MEM), 1);
    CHECK(hvsim_chan_stats(hc)->corrupt);
}

/* A header whose ranges end before offset8 (8 stray bytes before the
 * payload) is refused by the simulator's host half: Linux puts the payload
 * right after the last PFN. */
ISOLATED_TEST(simulator_refuses_gpa_header_with_a_gap)
{
    static struct hvsim_echo e;
    struct hvsim_chan *hc;
    struct vmbus_channel *ch = echo_up(&e, &hc);
    REQUIRE(ch);
    hvsim_set_verbose(false);
    uint64_t phys;
    REQUIRE(hvp_alloc_pages(1, &phys));
    struct {
        struct vmbus_pkt_gpa_direct_hdr h;
        struct vmbus_gpa_range r;
        uint64_t pfn, stray;
    } hdr = { { 0, 1 }, { 64, 0 }, phys >> 12, 0 };
    struct vmbus_iov iov = { &hdr, sizeof hdr };
    REQUIRE(vmbus_send_iov(ch, VMBUS_PKT_DATA_GPA_DIRECT, 0, 1, sizeof hdr, &iov, 1) == 0);
    hvsim_run_until_idle();
    CHECK_EQ(e.gpa_packets, 0);
    CHECK_EQ(hvsim_violation_count(HVV_RING), 1);
    CHECK(hvsim_chan_stats(hc)->corrupt);
}

/* --- Transfer pages ----------------------------------------------------------------- */
ISOLATED_TEST(xfer_pages_received_and_completed)
{
    static struct hvsim_echo e;
    struct hvsim_chan *hc;
    struct vmbus_channel *ch = echo_up(&e, &hc);
    REQUIRE(ch);
    vmbus_chan_set_rxbuf(ch, RXBUF_ID, RXBUF_SIZE);
    struct vmbus_xfer_range r[3] = { { 1514, 0 }, { 60, 4096 }, { 100, RXBUF_SIZE - 100 } };
    REQUIRE(hvsim_echo_send_xfer(hc, 0x1234, RXBUF_ID, r, 3, "nvsp-msg", 8) == 0);
    hvsim_run_until_idle();
    CHECK_EQ(drv.pkts, 1);
    CHECK_EQ(drv.errors, 0);
    CHECK_EQ(drv.last.type, VMBUS_PKT_DATA_XFER_PAGES);
    CHECK_EQ(drv.last.trans_id, 0x1234);
    CHECK_EQ(drv.last.xfer_set_id, RXBUF_ID);
    CHECK_EQ(drv.last.nranges, 3);
    CHECK_EQ(drv.last.len, 8);
    CHECK(memcmp(drv.buf, "nvsp-msg", 8) == 0);
    CHECK(memcmp(drv.ranges, r, sizeof r) == 0);
    CHECK_EQ(e.xfer_comps, 1);
    CHECK_EQ(e.nxfer_open, 0);
    CHECK_EQ(hvsim_violations(), 0);
}

/* Hostile host: ranges past the buffer (also by 32-bit overflow), an
 * unknown set id, more ranges than the header holds. Each is refused with
 * its trans_id reported, completed by the driver, and the channel goes on. */
static void hostile_xfer(uint16_t set_id, struct vmbus_xfer_range rg, bool set_rxbuf)
{
    static struct hvsim_echo e;
    struct hvsim_chan *hc;
    struct vmbus_channel *ch = echo_up(&e, &hc);
    REQUIRE(ch);
    if (set_rxbuf)
        vmbus_chan_set_rxbuf(ch, RXBUF_ID, RXBUF_SIZE);
    REQUIRE(hvsim_echo_send_xfer(hc, 77, set_id, &rg, 1, "x", 1) == 0);
    hvsim_run_until_idle();
    CHECK_EQ(drv.errors, 1);
    CHECK_EQ(drv.last_err, -EPROTO);
    CHECK_EQ(drv.last.trans_id, 77);
    CHECK_EQ(e.xfer_comps, 1);
    /* The channel still works. */
    struct vmbus_xfer_range good = { 10, 0 };
    vmbus_chan_set_rxbuf(ch, RXBUF_ID, RXBUF_SIZE);
    REQUIRE(hvsim_echo_send_xfer(hc, 78, RXBUF_ID, &good, 1, "y", 1) == 0);
    hvsim_run_until_idle();
    CHECK_EQ(drv.pkts, 1);
    CHECK_EQ(e.xfer_comps, 2);
    CHECK_EQ(hvsim_violations(), 0);
}

ISOLATED_TEST(xfer_range_past_the_buffer_is_refused)
{
    hostile_xfer(RXBUF_ID, (struct vmbus_xfer_range){ 1000, RXBUF_SIZE - 999 }, true);
}

ISOLATED_TEST(xfer_range_offset_past_the_buffer_is_refused)
{
    hostile_xfer(RXBUF_ID, (struct vmbus_xfer_range){ 0, RXBUF_SIZE + 1 }, true);
}

ISOLATED_TEST(xfer_range_overflowing_32_bits_is_refused)
{
    hostile_xfer(RXBUF_ID, (struct vmbus_xfer_range){ 0x200, 0xFFFFFF00u }, true);
}

ISOLATED_TEST(xfer_unknown_set_id_is_refused)
{
    hostile_xfer(1, (struct vmbus_xfer_range){ 10, 0 }, true);
}

ISOLATED_TEST(xfer_without_registered_buffer_is_refused)
{
    hostile_xfer(RXBUF_ID, (struct vmbus_xfer_range){ 10, 0 }, false);
}

ISOLATED_TEST(xfer_range_count_past_the_header_is_refused)
{
    static struct hvsim_echo e;
    struct hvsim_chan *hc;
    struct vmbus_channel *ch = echo_up(&e, &hc);
    REQUIRE(ch);
    vmbus_chan_set_rxbuf(ch, RXBUF_ID, RXBUF_SIZE);
    /* Claims 5 ranges, carries 1: the rest would be read from the payload. */
    uint8_t hdr[16] = { 0 };
    struct vmbus_pkt_xfer_hdr xh = { .xfer_set_id = RXBUF_ID, .range_count = 5 };
    memcpy(hdr, &xh, sizeof xh);
    REQUIRE(hvsim_chan_send_hdr(hc, VMBUS_PKT_DATA_XFER_PAGES, 0, 9, hdr, sizeof hdr, "payload!", 8) == 0);
    hvsim_run_until_idle();
    CHECK_EQ(drv.errors, 1);
    CHECK_EQ(drv.last_err, -EPROTO);
    CHECK_EQ(drv.last.trans_id, 9);
    CHECK_EQ(drv.completed, 1);
    CHECK_EQ(ch->state, VMBUS_CHAN_OPEN);
}

ISOLATED_TEST(xfer_more_ranges_than_the_caller_holds)
{
    static struct hvsim_echo e;
    struct hvsim_chan *hc;
    struct vmbus_channel *ch = echo_up(&e, &hc);
    REQUIRE(ch);
    vmbus_chan_set_rxbuf(ch, RXBUF_ID, RXBUF_SIZE);
    drv.max_ranges = 2;
    struct vmbus_xfer_range r[3] = { { 1, 0 }, { 1, 8 }, { 1, 16 } };
    REQUIRE(hvsim_echo_send_xfer(hc, 3, RXBUF_ID, r, 3, NULL, 0) == 0);
    hvsim_run_until_idle();
    CHECK_EQ(drv.last_err, -EMSGSIZE);
    CHECK_EQ(e.xfer_comps, 1);
    CHECK_EQ(hvsim_violations(), 0);
}

/* A guest that completes an id the host never sent is caught by the
 * simulator's host half. */
ISOLATED_TEST(simulator_catches_completion_for_unknown_id)
{
    static struct hvsim_echo e;
    struct hvsim_chan *hc;
    struct vmbus_channel *ch = echo_up(&e, &hc);
    REQUIRE(ch);
    hvsim_set_verbose(false);
    vmbus_chan_set_rxbuf(ch, RXBUF_ID, RXBUF_SIZE);
    struct vmbus_xfer_range r = { 10, 0 };
    drv.no_complete = true;
    REQUIRE(hvsim_echo_send_xfer(hc, 100, RXBUF_ID, &r, 1, NULL, 0) == 0);
    hvsim_run_until_idle();
    CHECK_EQ(drv.pkts, 1);
    CHECK_EQ(e.nxfer_open, 1);
    REQUIRE(vmbus_send_comp(ch, 101, NULL, 0) == 0);
    hvsim_run_until_idle();
    CHECK_EQ(e.unknown_comps, 1);
    CHECK_EQ(hvsim_violation_count(HVV_CHANNEL), 1);
    REQUIRE(vmbus_send_comp(ch, 100, NULL, 0) == 0);
    hvsim_run_until_idle();
    CHECK_EQ(e.nxfer_open, 0);
    CHECK_EQ(e.xfer_comps, 1);
    CHECK_EQ(hvsim_violations(), 1);
}

/* --- Transactions ------------------------------------------------------------------- */
ISOLATED_TEST(xact_round_trip_returns_the_completion_payload)
{
    static struct hvsim_echo e;
    struct hvsim_chan *hc;
    struct vmbus_channel *ch = echo_up(&e, &hc);
    REQUIRE(ch);
    e.comp_payload = true;
    uint8_t resp[32] = { 0 };
    size_t n = 0;
    CHECK_EQ(vmbus_xact(ch, &xctx, "init-v61", 8, resp, sizeof resp, &n, 1000), 0);
    CHECK_EQ(n, 8);
    CHECK(memcmp(resp, "init-v61", 8) == 0);
    CHECK_EQ(e.last_trans_id & VMBUS_XACT_ID_MASK, VMBUS_XACT_ID_TAG);
    uint64_t first = e.last_trans_id;
    CHECK_EQ(vmbus_xact(ch, &xctx, "query---", 8, resp, sizeof resp, &n, 1000), 0);
    CHECK(e.last_trans_id != first);            /* a fresh id per request */
    CHECK(memcmp(resp, "query---", 8) == 0);
    CHECK_EQ(xctx.completed, 2);
    CHECK_EQ(xctx.late + xctx.unknown, 0);
    CHECK_EQ(hvsim_violations(), 0);
}

/* The host's payload is copied up to the caller's bound; the length it
 * sent is reported so the caller can tell. */
ISOLATED_TEST(xact_response_is_bounded_by_the_buffer)
{
    static struct hvsim_echo e;
    struct hvsim_chan *hc;
    struct vmbus_channel *ch = echo_up(&e, &hc);
    REQUIRE(ch);
    e.comp_payload = true;
    uint8_t resp[8];
    memset(resp, 0xEE, sizeof resp);
    size_t n = 0;
    CHECK_EQ(vmbus_xact(ch, &xctx, "0123456789abcdef", 16, resp, 4, &n, 1000), 0);
    CHECK_EQ(n, 16);
    CHECK(memcmp(resp, "0123", 4) == 0);
    CHECK_EQ(resp[4], 0xEE);
    CHECK_EQ(hvsim_violations(), 0);
}

/* No completion: -ETIMEDOUT, the slot is free again, and the completion
 * arriving afterwards is counted as late and taken for nothing -- the next
 * request gets its own answer. */
ISOLATED_TEST(xact_times_out_and_ignores_a_late_completion)
{
    static struct hvsim_echo e;
    struct hvsim_chan *hc;
    struct vmbus_channel *ch = echo_up(&e, &hc);
    REQUIRE(ch);
    e.comp_silent = true;
    uint8_t resp[16] = { 0 };
    size_t n = 0;
    CHECK_EQ(vmbus_xact(ch, &xctx, "lost", 4, resp, sizeof resp, &n, 50), -ETIMEDOUT);
    CHECK_EQ(xctx.timeouts, 1);
    uint64_t lost = e.last_trans_id;
    REQUIRE(hvsim_chan_send(hc, VMBUS_PKT_COMP, 0, lost, "stale!!!", 8) == 0);
    hvsim_run_until_idle();
    CHECK_EQ(xctx.late, 1);
    e.comp_silent = false;
    e.comp_payload = true;
    CHECK_EQ(vmbus_xact(ch, &xctx, "fresh", 5, resp, sizeof resp, &n, 1000), 0);
    CHECK_EQ(n, 8);                             /* the echo returns the padded payload */
    CHECK(memcmp(resp, "fresh\0\0\0", 8) == 0);
    for (size_t i = 0; i < VMBUS_XACT_SLOTS; i++)
        CHECK_EQ(xctx.slot[i].state, 0);
    CHECK_EQ(hvsim_violations(), 0);
}

/* A hostile host completes ids never issued: counted, nothing filled. */
ISOLATED_TEST(xact_completion_for_an_unknown_id_is_ignored)
{
    static struct hvsim_echo e;
    struct hvsim_chan *hc;
    struct vmbus_channel *ch = echo_up(&e, &hc);
    REQUIRE(ch);
    REQUIRE(hvsim_chan_send(hc, VMBUS_PKT_COMP, 0, 0xdeadbeef, "bogus", 5) == 0);
    REQUIRE(hvsim_chan_send(hc, VMBUS_PKT_COMP, 0, VMBUS_XACT_ID_TAG | 999, "bogus", 5) == 0);
    hvsim_run_until_idle();
    CHECK_EQ(xctx.unknown, 2);
    CHECK_EQ(xctx.late, 0);
    e.comp_payload = true;
    uint8_t resp[8] = { 0 };
    CHECK_EQ(vmbus_xact(ch, &xctx, "ok", 2, resp, sizeof resp, NULL, 1000), 0);
    CHECK(memcmp(resp, "ok", 2) == 0);
    CHECK_EQ(hvsim_violations(), 0);
}

/* Every slot busy: -EBUSY, nothing sent. Slots are filled by hand, as
 * requests in flight on other threads would hold them. */
ISOLATED_TEST(xact_all_slots_busy)
{
    static struct hvsim_echo e;
    struct hvsim_chan *hc;
    struct vmbus_channel *ch = echo_up(&e, &hc);
    REQUIRE(ch);
    for (size_t i = 0; i < VMBUS_XACT_SLOTS; i++)
        xctx.slot[i].state = 1;
    CHECK_EQ(vmbus_xact(ch, &xctx, "x", 1, NULL, 0, NULL, 1000), -EBUSY);
    hvsim_run_until_idle();
    CHECK_EQ(e.packets, 0);
}
