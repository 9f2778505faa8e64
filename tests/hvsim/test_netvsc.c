/* Hosted tests of hv/netvsc*.c (NVSP, RNDIS, the netdev glue) against the
 * strict netvsp host of the simulator (tests/hvsim/hvsim_netvsc.c), with
 * the driver side of net/netdev.h recorded (tests/hvsim/guest_netdev.c).
 * Each test runs in a forked child. Correct traffic must leave zero
 * simulator violations; each hostile host case must be logged and refused
 * by the guest, which keeps passing frames both ways afterwards; a
 * misbehaving guest (driven by hand) must be refused by the simulator. */
#include "hv/hv_platform.h"
#include "hv/hyperv.h"
#include "hv/netvsc_var.h"
#include "hv/nvsp_reg.h"
#include "hv/rndis_reg.h"
#include "hv/vmbus.h"
#include "kernel/core/trace.h"
#include "kernel/errno.h"
#include "lib/string.h"
#include "tests/hvsim/guest_netdev.h"
#include "tests/hvsim/hvsim.h"
#include "tests/hvsim/hvsim_netvsc.h"
#include "tests/unit/test.h"
#include "tests/hvsim/isolated.h"

TRACE_DECLARE(netvsc);

static struct hvsim_netvsc host;
static struct hvsim_chan *hch;

/* Boots VMBus with the netvsp host (cfg may change it first) and lets the
 * driver probe. Returns the guest's netvsc, or NULL. */
static struct netvsc *up(void (*cfg)(struct hvsim_netvsc *))
{
    hvsim_init(NULL);
    hch = hvsim_add_netvsc(&host, 0);
    if (cfg)
        cfg(&host);
    guest_netdev_reset();
    if (!hv_detect() || hv_synic_init() || vmbus_init())
        return NULL;
    hvsim_run_until_idle();
    return gnd.nd ? gnd.nd->priv : NULL;
}

static void fill(uint8_t *f, size_t len, unsigned seed)
{
    memcpy(f, "\x00\x15\x5d\x01\x02\x03\x52\x54\x00\x12\x34\x56\x88\xb5", 14);   /* local experimental type */
    for (size_t i = 14; i < len; i++)
        f[i] = (uint8_t)(i * 31 + seed * 7 + (i >> 8));
}

/* A frame each way, byte-exact: the guest still works. */
static void roundtrip(unsigned seed)
{
    static uint8_t f[1514];
    fill(f, sizeof f, seed);
    uint64_t sent = host.frames, got = gnd.rx;
    CHECK_EQ(guest_netdev_xmit(f, 600), 0);
    CHECK_EQ(hvsim_netvsc_rx(&host, f, 1514, 0), 0);
    hvsim_run_until_idle();
    REQUIRE(host.frames == sent + 1);
    CHECK_EQ(hvsim_netvsc_last(&host)->len, 600);
    CHECK(memcmp(hvsim_netvsc_last(&host)->data, f, 600) == 0);
    REQUIRE(gnd.rx == got + 1);
    CHECK_EQ(guest_netdev_frame(got)->len, 1514);
    CHECK(memcmp(guest_netdev_frame(got)->data, f, 1514) == 0);
}

/* --- Handshake ------------------------------------------------------------------------ */
ISOLATED_TEST(netvsc_handshake_mac_mtu_link)
{
    struct netvsc *nv = up(NULL);
    REQUIRE(nv);
    struct netdev *nd = gnd.nd;
    CHECK(memcmp(nd->mac, host.mac, 6) == 0);
    CHECK_EQ(nd->mtu, 1500);
    CHECK(nd->link_up);
    CHECK_EQ(nd->speed_mbps, 10000);
    CHECK_EQ(host.version, NVSP_VERSION_61);    /* the newest first */
    CHECK_EQ(nv->nvsp_ver, NVSP_VERSION_61);
    CHECK(host.ndis_config);
    CHECK_EQ(host.ndis_mtu, 1514);
    CHECK_EQ(host.ndis_major, 6);
    CHECK_EQ(host.ndis_minor, 30);
    CHECK_EQ(host.rx_size, NETVSC_RXBUF_PAGES * 4096u);
    CHECK_EQ(host.tx_size, NETVSC_TXBUF_PAGES * 4096u);
    CHECK_EQ(nv->section_size, 6144);            /* from the host's reply */
    CHECK_EQ(nv->rx_sub_size, 1806);
    CHECK_EQ(host.filter, 0x0D);
    CHECK(host.offload_on);
    CHECK(nd->offloads & NETDEV_OFF_TX_L4_CSUM);
    CHECK(hvsim_log_contains("eth0: netvsc 00:15:5d:01:02:03, mtu 1500, NVSP 6.1"));
    CHECK_EQ(hvsim_violations(), 0);
}

static void cfg_v4(struct hvsim_netvsc *h)
{
    h->versions[0] = NVSP_VERSION_4;
    h->versions[1] = NVSP_VERSION_2;
    h->nversions = 2;
    h->mtu = 9000;
    h->link_down = true;
    h->mac[5] = 0x77;
}

ISOLATED_TEST(netvsc_older_host_negotiates_v4_ndis_6_1)
{
    struct netvsc *nv = up(cfg_v4);
    REQUIRE(nv);
    CHECK_EQ(host.version, NVSP_VERSION_4);
    CHECK_EQ(host.ndis_minor, 1);
    CHECK_EQ(gnd.nd->mtu, 9000);
    CHECK_EQ(gnd.nd->mac[5], 0x77);
    CHECK(!gnd.nd->link_up);
    CHECK_EQ(gnd.link_events, 0);
    roundtrip(1);
    CHECK_EQ(hvsim_violations(), 0);
}

static void cfg_v1(struct hvsim_netvsc *h)
{
    h->versions[0] = NVSP_VERSION_1;
    h->nversions = 1;
}

ISOLATED_TEST(netvsc_v1_host_gets_no_ndis_config)
{
    struct netvsc *nv = up(cfg_v1);
    REQUIRE(nv);
    CHECK_EQ(host.version, NVSP_VERSION_1);
    CHECK(!host.ndis_config);
    roundtrip(2);
    CHECK_EQ(hvsim_violations(), 0);
}

static void cfg_none(struct hvsim_netvsc *h)
{
    h->versions[0] = 0x00070000;
    h->nversions = 1;
}

ISOLATED_TEST(netvsc_host_without_a_common_version_is_not_attached)
{
    up(cfg_none);
    CHECK(gnd.nd == NULL);
    CHECK(hvsim_log_contains("accepts no NVSP version"));
    CHECK(!hvsim_chan_is_open(hch));
    CHECK_EQ(hvsim_violations(), 0);
}

/* --- Frames ---------------------------------------------------------------------------- */
ISOLATED_TEST(netvsc_small_frames_go_through_send_sections)
{
    struct netvsc *nv = up(NULL);
    REQUIRE(nv);
    static uint8_t f[1514];
    fill(f, sizeof f, 3);
    for (size_t len = 60; len <= 1514; len += 1454) {
        CHECK_EQ(guest_netdev_xmit(f, len), 0);
        hvsim_run_until_idle();
        const struct hvsim_nv_frame *k = hvsim_netvsc_last(&host);
        REQUIRE(k);
        CHECK_EQ(k->len, len);
        CHECK(!k->gpa);
        CHECK(memcmp(k->data, f, len) == 0);
    }
    CHECK_EQ(host.frames_section, 2);
    CHECK_EQ(nv->sect_busy, 0);                 /* every section came back */
    CHECK_EQ(gnd.nd->stats.tx_packets, 2);
    CHECK_EQ(hvsim_violations(), 0);
}

static void cfg_small_sections(struct hvsim_netvsc *h) { h->section_size = 1024; }

ISOLATED_TEST(netvsc_large_frames_go_gpa_direct)
{
    struct netvsc *nv = up(cfg_small_sections);
    REQUIRE(nv);
    CHECK_EQ(nv->section_size, 1024);
    trace_netvsc = true;
    static uint8_t f[1514];
    fill(f, sizeof f, 4);
    CHECK_EQ(guest_netdev_xmit(f, 1514), 0);
    hvsim_run_until_idle();
    const struct hvsim_nv_frame *k = hvsim_netvsc_last(&host);
    REQUIRE(k);
    CHECK(k->gpa);
    CHECK(hvsim_log_contains("netvsc: -> NVSP SEND_RNDIS_PKT (107) 0 0xffffffff 0"));
    CHECK_EQ(k->len, 1514);
    CHECK(memcmp(k->data, f, 1514) == 0);
    CHECK_EQ(guest_netdev_xmit(f, 500), 0);     /* fits a section */
    hvsim_run_until_idle();
    CHECK(!hvsim_netvsc_last(&host)->gpa);
    CHECK_EQ(nv->gpa_busy, 0);
    CHECK_EQ(nv->st.tx_gpa, 1);
    CHECK_EQ(hvsim_violations(), 0);
}

ISOLATED_TEST(netvsc_received_frames_are_byte_exact)
{
    struct netvsc *nv = up(NULL);
    REQUIRE(nv);
    static uint8_t f[1514];
    size_t lens[3] = { 60, 1000, 1514 };
    for (int i = 0; i < 3; i++) {
        fill(f, lens[i], 10 + i);
        CHECK_EQ(hvsim_netvsc_rx(&host, f, lens[i], 0), 0);
        hvsim_run_until_idle();
        REQUIRE(gnd.rx == (uint64_t)i + 1);
        CHECK_EQ(guest_netdev_frame(i)->len, lens[i]);
        CHECK(memcmp(guest_netdev_frame(i)->data, f, lens[i]) == 0);
        CHECK_EQ(guest_netdev_frame(i)->csum, 0);
    }
    CHECK_EQ(hvsim_netvsc_outstanding(&host), 0);
    CHECK_EQ(host.xfer_comp_fail, 0);
    CHECK_EQ(hvsim_violations(), 0);
}

static void cfg_batch(struct hvsim_netvsc *h) { h->batch = 4; }

/* Enough frames both ways to wrap both rings many times, four RNDIS
 * messages per receive packet; every slot and section comes back. */
ISOLATED_TEST(netvsc_many_frames_wrap_the_rings)
{
    struct netvsc *nv = up(cfg_batch);
    REQUIRE(nv);
    static uint8_t f[1514];
    const unsigned n = 4000;
    unsigned bad = 0;
    for (unsigned i = 0; i < n; i++) {
        size_t len = 60 + (i * 97) % 1455;
        fill(f, len, i);
        REQUIRE(hvsim_netvsc_rx(&host, f, len, 0) == 0);
        int err;
        for (int tries = 0; (err = guest_netdev_xmit(f, len)) == -EBUSY && tries < 100; tries++)
            hvsim_run_until_idle();
        REQUIRE(err == 0);
        if (i % 16 == 15)
            hvsim_run_until_idle();
        const struct hvsim_nv_frame *k = hvsim_netvsc_last(&host);
        if (i % 16 == 15 && (!k || k->len != len || memcmp(k->data, f, len)))
            bad++;
    }
    hvsim_run_until_idle();
    CHECK_EQ(bad, 0);
    CHECK_EQ(host.frames, n);
    CHECK_EQ(gnd.rx, n);
    for (uint64_t i = n - GND_KEEP; i < n; i++) {
        size_t len = 60 + (i * 97) % 1455;
        fill(f, len, (unsigned)i);
        CHECK(guest_netdev_frame(i)->len == len && memcmp(guest_netdev_frame(i)->data, f, len) == 0);
    }
    CHECK(hvsim_chan_stats(hch)->h2g_wraps > 0);
    CHECK(hvsim_chan_stats(hch)->g2h_wraps > 0);
    CHECK_EQ(hvsim_netvsc_outstanding(&host), 0);
    CHECK_EQ(host.xfer_comps, host.xfer_sent);
    CHECK_EQ(nv->sect_busy, 0);
    CHECK_EQ(hvsim_violations(), 0);
}

/* --- Link, keepalive, reset ------------------------------------------------------------- */
ISOLATED_TEST(netvsc_link_indications_reach_netdev)
{
    struct netvsc *nv = up(NULL);
    REQUIRE(nv);
    CHECK(gnd.nd->link_up);
    CHECK_EQ(hvsim_netvsc_link(&host, false), 0);
    hvsim_run_until_idle();
    CHECK(!gnd.nd->link_up);
    CHECK_EQ(hvsim_netvsc_link(&host, true), 0);
    hvsim_run_until_idle();
    CHECK(gnd.nd->link_up);
    REQUIRE(gnd.link_events == 3);               /* up at registration, down, up */
    CHECK(gnd.link_log[0] && !gnd.link_log[1] && gnd.link_log[2]);
    CHECK_EQ(nv->st.indications, 2);
    CHECK_EQ(hvsim_violations(), 0);
}

ISOLATED_TEST(netvsc_keepalive_and_reset)
{
    struct netvsc *nv = up(NULL);
    REQUIRE(nv);
    CHECK_EQ(netvsc_rndis_keepalive(nv), 0);
    CHECK_EQ(host.keepalives, 1);
    CHECK_EQ(netvsc_rndis_reset(nv), 0);
    CHECK_EQ(host.resets, 1);
    /* The host's own keepalive is answered. */
    struct rndis_rid_msg k = { { RNDIS_MSG_KEEPALIVE, sizeof k }, 77 };
    CHECK_EQ(hvsim_netvsc_raw_rndis(&host, &k, sizeof k, 0), 0);
    hvsim_run_until_idle();
    CHECK_EQ(nv->st.keepalives, 1);
    CHECK_EQ(host.keepalives, 2);
    roundtrip(5);
    CHECK_EQ(hvsim_violations(), 0);
}

/* --- Checksum offload ------------------------------------------------------------------- */
static size_t tcp_frame(uint8_t *f)
{
    memset(f, 0, 80);
    memcpy(f, "\x00\x15\x5d\x01\x02\x03\x52\x54\x00\x12\x34\x56\x08\x00", 14);
    f[14] = 0x45;                               /* IPv4, 20-byte header */
    f[17] = 60;                                 /* total length 60 */
    f[22] = 64;
    f[23] = 6;                                  /* TCP */
    f[46] = 0x50;                               /* data offset 5 */
    return 74;
}

ISOLATED_TEST(netvsc_checksum_offload_both_ways)
{
    struct netvsc *nv = up(NULL);
    REQUIRE(nv);
    REQUIRE(nv->csum_offload);
    uint8_t f[80];
    size_t len = tcp_frame(f);
    CHECK_EQ(guest_netdev_xmit(f, len), 0);
    hvsim_run_until_idle();
    const struct hvsim_nv_frame *k = hvsim_netvsc_last(&host);
    REQUIRE(k);
    CHECK_EQ(k->len, len);
    CHECK(memcmp(k->data, f, len) == 0);
    CHECK_EQ(k->csum_info, RNDIS_CSUM_TX_IPV4 | RNDIS_CSUM_TX_IP_HDR | RNDIS_CSUM_TX_TCP | (34u << 16));
    CHECK_EQ(gnd.nd->stats.tx_csum, 1);
    CHECK_EQ(hvsim_netvsc_rx(&host, f, len, RNDIS_CSUM_RX_IP_OK | RNDIS_CSUM_RX_TCP_OK), 0);
    CHECK_EQ(hvsim_netvsc_rx(&host, f, len, RNDIS_CSUM_RX_IP_OK | RNDIS_CSUM_RX_TCP_FAIL), 0);
    hvsim_run_until_idle();
    REQUIRE(gnd.rx == 1);                        /* the bad one is dropped */
    CHECK_EQ(guest_netdev_frame(0)->csum, NETDEV_RX_CSUM_IP_OK | NETDEV_RX_CSUM_L4_OK);
    CHECK_EQ(gnd.nd->stats.rx_csum_bad, 1);
    CHECK_EQ(hvsim_violations(), 0);
}

static void cfg_no_offload(struct hvsim_netvsc *h) { h->no_offload = true; }

ISOLATED_TEST(netvsc_host_without_offload_gets_plain_frames)
{
    struct netvsc *nv = up(cfg_no_offload);
    REQUIRE(nv);
    CHECK(!nv->csum_offload);
    CHECK_EQ(gnd.nd->offloads, 0);
    uint8_t f[80];
    size_t len = tcp_frame(f);
    CHECK_EQ(guest_netdev_xmit(f, len), 0);
    hvsim_run_until_idle();
    CHECK_EQ(hvsim_netvsc_last(&host)->csum_info, 0);
    CHECK_EQ(hvsim_violations(), 0);
}

/* --- A hostile host -------------------------------------------------------------------- */
/* Sends one raw RNDIS message; the guest must log `expect` and go on. */
static void hostile_rndis(const void *msg, size_t len, uint32_t byte_count, const char *expect)
{
    struct netvsc *nv = up(NULL);
    REQUIRE(nv);
    hvsim_log_clear();
    REQUIRE(hvsim_netvsc_raw_rndis(&host, msg, len, byte_count) == 0);
    hvsim_run_until_idle();
    CHECK(hvsim_log_contains(expect));
    CHECK_EQ(nv->st.bad_rndis, 1);
    CHECK_EQ(gnd.rx, 0);
    roundtrip(6);
    CHECK_EQ(hvsim_netvsc_outstanding(&host), 0);
    CHECK_EQ(hvsim_violations(), 0);
}

ISOLATED_TEST(netvsc_hostile_rndis_length_past_its_range)
{
    struct rndis_packet p = { { RNDIS_MSG_PACKET, 2000 }, 36, 100, 0, 0, 0, 0, 0, 0, 0 };
    hostile_rndis(&p, sizeof p, 1000, "bad RNDIS length (2000, 1000)");
}

ISOLATED_TEST(netvsc_hostile_rndis_length_below_a_header)
{
    struct rndis_hdr h = { RNDIS_MSG_PACKET, 4 };
    hostile_rndis(&h, sizeof h, 0, "bad RNDIS length (4,");
}

ISOLATED_TEST(netvsc_hostile_packet_data_past_the_message)
{
    uint8_t m[200] = { 0 };
    struct rndis_packet p = { { RNDIS_MSG_PACKET, 200 }, 36, 200, 0, 0, 0, 0, 0, 0, 0 };
    memcpy(m, &p, sizeof p);
    hostile_rndis(m, sizeof m, 0, "bad RNDIS PACKET data (36, 200)");
}

ISOLATED_TEST(netvsc_hostile_packet_data_offset_overflow)
{
    uint8_t m[200] = { 0 };
    struct rndis_packet p = { { RNDIS_MSG_PACKET, 200 }, 0xFFFFFFF0u, 60, 0, 0, 0, 0, 0, 0, 0 };
    memcpy(m, &p, sizeof p);
    hostile_rndis(m, sizeof m, 0, "bad RNDIS PACKET data (4294967280, 60)");
}

ISOLATED_TEST(netvsc_hostile_per_packet_info_size)
{
    uint8_t m[200] = { 0 };
    struct rndis_packet p = { { RNDIS_MSG_PACKET, 200 }, 60, 100, 0, 0, 0, 36, 24, 0, 0 };
    struct rndis_ppi e = { 0, RNDIS_PPI_CSUM, 12 };      /* size 0: would loop forever */
    memcpy(m, &p, sizeof p);
    memcpy(m + sizeof p, &e, sizeof e);
    hostile_rndis(m, sizeof m, 0, "bad RNDIS ppi element (0, 12)");
}

ISOLATED_TEST(netvsc_hostile_unknown_rndis_type)
{
    struct rndis_rid_msg u = { { 0x77, sizeof u }, 1 };
    hostile_rndis(&u, sizeof u, 0, "bad RNDIS type (119, 12)");
}

ISOLATED_TEST(netvsc_hostile_completion_for_no_request)
{
    struct rndis_query_cmplt c = { { RNDIS_MSG_QUERY | RNDIS_MSG_CMPLT, sizeof c }, 999, 0, 0, 16 };
    hostile_rndis(&c, sizeof c, 0, "bad RNDIS completion (2147483652, 999)");
}

ISOLATED_TEST(netvsc_hostile_indication_buffer_outside)
{
    struct rndis_indicate in = { { RNDIS_MSG_INDICATE, sizeof in }, RNDIS_STATUS_MEDIA_DISCONNECT, 8, 100 };
    hostile_rndis(&in, sizeof in, 0, "bad RNDIS indication (100, 8)");
}

ISOLATED_TEST(netvsc_hostile_transfer_range_outside_the_receive_buffer)
{
    struct netvsc *nv = up(NULL);
    REQUIRE(nv);
    struct nvsp_rndis_pkt m[3] = { { NVSP_MSG1_SEND_RNDIS_PKT, 0, NVSP_SECTION_NONE, 0 } };
    struct vmbus_xfer_range r = { 100, host.rx_size - 50 };
    REQUIRE(hvsim_netvsc_raw_xfer(&host, &r, 1, m, 40) == 0);
    hvsim_run_until_idle();
    CHECK(hvsim_log_contains("outside the 1048576-byte receive buffer"));
    CHECK_EQ(host.xfer_comp_fail, 1);           /* completed, as refused */
    CHECK_EQ(hvsim_netvsc_outstanding(&host), 0);
    roundtrip(7);
    CHECK_EQ(hvsim_violations(), 0);
}

ISOLATED_TEST(netvsc_hostile_transfer_packet_with_wrong_nvsp_type)
{
    struct netvsc *nv = up(NULL);
    REQUIRE(nv);
    struct nvsp_init m[4] = { { NVSP_MSG_INIT, 1, 1 } };
    struct vmbus_xfer_range r = { 100, 0 };
    REQUIRE(hvsim_netvsc_raw_xfer(&host, &r, 1, m, 40) == 0);
    hvsim_run_until_idle();
    CHECK(hvsim_log_contains("transfer-page packet carries NVSP type 1"));
    CHECK_EQ(host.xfer_comp_fail, 1);
    roundtrip(8);
    CHECK_EQ(hvsim_violations(), 0);
}

ISOLATED_TEST(netvsc_hostile_unknown_nvsp_message)
{
    struct netvsc *nv = up(NULL);
    REQUIRE(nv);
    union nvsp_msg m = { .type = 999 };
    REQUIRE(hvsim_chan_send(hch, VMBUS_PKT_DATA_INBAND, 0, 5, &m, sizeof m) == 0);
    hvsim_run_until_idle();
    CHECK(hvsim_log_contains("unexpected NVSP message type 999"));
    CHECK_EQ(nv->st.bad_nvsp, 1);
    roundtrip(9);
    CHECK_EQ(hvsim_violations(), 0);
}

ISOLATED_TEST(netvsc_hostile_completions_for_unknown_ids)
{
    struct netvsc *nv = up(NULL);
    REQUIRE(nv);
    struct nvsp_rndis_pkt_complete c = { NVSP_MSG1_SEND_RNDIS_PKT_COMPLETE, NVSP_STATUS_SUCCESS };
    REQUIRE(hvsim_chan_send(hch, VMBUS_PKT_COMP, 0, NETVSC_ID_SECTION | 5, &c, sizeof c) == 0);  /* not in flight */
    REQUIRE(hvsim_chan_send(hch, VMBUS_PKT_COMP, 0, NETVSC_ID_GPA | 99, &c, sizeof c) == 0);
    REQUIRE(hvsim_chan_send(hch, VMBUS_PKT_COMP, 0, 0x1234567890ull, &c, sizeof c) == 0);
    REQUIRE(hvsim_chan_send(hch, VMBUS_PKT_COMP, 0, VMBUS_XACT_ID_TAG | 12345, &c, sizeof c) == 0);
    hvsim_run_until_idle();
    CHECK_EQ(nv->st.unknown_comps, 4);
    CHECK(hvsim_log_contains("completion for unknown transaction"));
    CHECK_EQ(nv->sect_busy, 0);
    roundtrip(10);
    CHECK_EQ(hvsim_violations(), 0);
}

/* --- A misbehaving guest, driven by hand: the simulator refuses ---------------------- */
static struct vmbus_xact_ctx raw_xact;
static unsigned raw_comps;
static void raw_event(struct vmbus_channel *ch)
{
    uint8_t buf[256];
    struct vmbus_rx_pkt p;
    struct vmbus_xfer_range r[8];
    while (vmbus_recv_pkt(ch, buf, sizeof buf, &p, r, 8) != -EAGAIN) {
        if (p.type == VMBUS_PKT_COMP) {
            raw_comps++;
            vmbus_xact_complete(&raw_xact, p.trans_id, buf, p.len);
        }
    }
}

ISOLATED_TEST(simulator_refuses_a_misbehaving_guest)
{
    struct netvsc *nv = up(NULL);
    REQUIRE(nv);
    struct vmbus_channel *ch = nv->ch;
    ch->driver->remove(ch);                     /* the driver lets go: the test drives */
    CHECK(host.revokes == 2 && host.halts == 1);
    hvsim_set_verbose(false);
    vmbus_xact_init(&raw_xact);
    REQUIRE(vmbus_open(ch, 16384, 16384, NULL, 0, raw_event) == 0);
    union nvsp_msg m = { 0 }, r;
    /* SEND_RNDIS_PKT before INIT. */
    m.rndis = (struct nvsp_rndis_pkt){ NVSP_MSG1_SEND_RNDIS_PKT, 1, 0, 24 };
    CHECK_EQ(vmbus_xact(ch, &raw_xact, &m, sizeof m, &r, sizeof r, NULL, 100), -ETIMEDOUT);
    CHECK_EQ(hvsim_violation_count(HVV_CHANNEL), 1);
    /* A short INIT is never answered. */
    m.init = (struct nvsp_init){ NVSP_MSG_INIT, NVSP_VERSION_61, NVSP_VERSION_61 };
    CHECK_EQ(vmbus_xact(ch, &raw_xact, &m, 12, &r, sizeof r, NULL, 100), -ETIMEDOUT);
    CHECK_EQ(hvsim_violation_count(HVV_CHANNEL), 2);
    /* An unknown version: status NONE, no violation. */
    m.init = (struct nvsp_init){ NVSP_MSG_INIT, 0x00990000, 0x00990000 };
    CHECK_EQ(vmbus_xact(ch, &raw_xact, &m, sizeof m, &r, sizeof r, NULL, 1000), 0);
    CHECK_EQ(r.init_complete.status, NVSP_STATUS_NONE);
    m.init = (struct nvsp_init){ NVSP_MSG_INIT, NVSP_VERSION_5, NVSP_VERSION_5 };
    CHECK_EQ(vmbus_xact(ch, &raw_xact, &m, sizeof m, &r, sizeof r, NULL, 1000), 0);
    CHECK_EQ(r.init_complete.status, NVSP_STATUS_SUCCESS);
    CHECK_EQ(hvsim_violation_count(HVV_CHANNEL), 2);
    /* The receive buffer before NDIS config and version: refused. */
    uint64_t phys;
    REQUIRE(hvp_alloc_pages(1, &phys));
    uint32_t small;
    REQUIRE(vmbus_gpadl_create(ch, phys, 1, &small) == 0);
    m.buf = (struct nvsp_buf){ NVSP_MSG1_SEND_RECV_BUF, small, NVSP_RXBUF_ID, 0 };
    CHECK_EQ(vmbus_xact(ch, &raw_xact, &m, sizeof m, &r, sizeof r, NULL, 1000), 0);
    CHECK_EQ(r.rxbuf_complete.status, NVSP_STATUS_FAIL);
    CHECK_EQ(hvsim_violation_count(HVV_CHANNEL), 3);
    /* After them, a one-page GPADL is too small for 10 receive slots. */
    memset(&m, 0, sizeof m);
    m.ndis_config = (struct nvsp_ndis_config){ NVSP_MSG2_SEND_NDIS_CONFIG, 1514, 0, 0 };
    REQUIRE(vmbus_send(ch, VMBUS_PKT_DATA_INBAND, 0, 0, &m, sizeof m) == 0);
    m.ndis_ver = (struct nvsp_ndis_ver){ NVSP_MSG1_SEND_NDIS_VER, 6, 30 };
    REQUIRE(vmbus_send(ch, VMBUS_PKT_DATA_INBAND, 0, 0, &m, sizeof m) == 0);
    m.buf = (struct nvsp_buf){ NVSP_MSG1_SEND_RECV_BUF, small, NVSP_RXBUF_ID, 0 };
    CHECK_EQ(vmbus_xact(ch, &raw_xact, &m, sizeof m, &r, sizeof r, NULL, 1000), 0);
    CHECK_EQ(r.rxbuf_complete.status, NVSP_STATUS_FAIL);
    CHECK_EQ(hvsim_violation_count(HVV_CHANNEL), 4);
    CHECK(strstr(hvsim_last_violation(), "size out of bounds") != NULL);
    /* An unknown message type. */
    memset(&m, 0, sizeof m);
    m.type = 4242;
    REQUIRE(vmbus_send(ch, VMBUS_PKT_DATA_INBAND, 0, 0, &m, sizeof m) == 0);
    hvsim_run_until_idle();
    CHECK_EQ(hvsim_violation_count(HVV_CHANNEL), 5);
    /* A completion for a transfer packet never sent. */
    struct nvsp_rndis_pkt_complete c = { NVSP_MSG1_SEND_RNDIS_PKT_COMPLETE, NVSP_STATUS_SUCCESS };
    REQUIRE(vmbus_send_comp(ch, 0xABC, &c, sizeof c) == 0);
    hvsim_run_until_idle();
    CHECK_EQ(hvsim_violation_count(HVV_CHANNEL), 6);
    CHECK_EQ(host.unknown_comps, 1);
}

/* RNDIS rules: a bad section, a length past what was sent, a message
 * before INITIALIZE. The driver's own send path, fed wrong arguments. */
ISOLATED_TEST(simulator_refuses_bad_rndis_from_the_guest)
{
    struct netvsc *nv = up(NULL);
    REQUIRE(nv);
    hvsim_set_verbose(false);
    union nvsp_msg m = { 0 };
    m.rndis = (struct nvsp_rndis_pkt){ NVSP_MSG1_SEND_RNDIS_PKT, 0, 9999, 100 };
    REQUIRE(vmbus_send(nv->ch, VMBUS_PKT_DATA_INBAND, VMBUS_PKT_FLAG_COMPLETION_REQUESTED, 0, &m, sizeof m) == 0);
    hvsim_run_until_idle();
    CHECK_EQ(hvsim_violation_count(HVV_CHANNEL), 1);
    struct rndis_rid_msg k = { { RNDIS_MSG_KEEPALIVE, 64 }, 1 };       /* says 64, sends 12 */
    CHECK_EQ(netvsc_nvsp_send(nv, NVSP_CHAN_CONTROL, &k, sizeof k, NULL), 0);
    hvsim_run_until_idle();
    CHECK_EQ(hvsim_violation_count(HVV_CHANNEL), 2);
    k.h.len = sizeof k;
    CHECK_EQ(netvsc_nvsp_send(nv, NVSP_CHAN_DATA, &k, sizeof k, NULL), 0);    /* control on data */
    hvsim_run_until_idle();
    CHECK_EQ(hvsim_violation_count(HVV_CHANNEL), 3);
    CHECK_EQ(nv->sect_busy, 0);
    CHECK(nv->nd.stats.tx_dropped >= 2);         /* the host's failure status counted */
}

/* --- Trace and teardown ---------------------------------------------------------------- */
ISOLATED_TEST(netvsc_trace_decodes_nvsp_and_rndis)
{
    trace_netvsc = true;
    struct netvsc *nv = up(NULL);
    REQUIRE(nv);
    roundtrip(11);
    CHECK(hvsim_log_contains("netvsc: -> NVSP INIT (1) 0x60001 0x60001"));
    CHECK(hvsim_log_contains("netvsc: <- NVSP INIT_COMPLETE (2)"));
    CHECK(hvsim_log_contains("netvsc: -> RNDIS QUERY len 28: 0x"));
    CHECK(hvsim_log_contains("netvsc: <- RNDIS INITIALIZE_CMPLT len 52"));
    CHECK(hvsim_log_contains("netvsc: -> RNDIS PACKET len 644: frame of 600 at 36"));
    CHECK(hvsim_log_contains("netvsc: <- RNDIS PACKET len 1558: frame of 1514 at 36"));
    CHECK_EQ(hvsim_violations(), 0);
}

ISOLATED_TEST(netvsc_rescind_unregisters_and_frees)
{
    struct netvsc *nv = up(NULL);
    REQUIRE(nv);
    size_t pages = hvsim_pages_in_use();
    hvsim_rescind(hch);
    hvsim_run_until_idle();
    CHECK(gnd.nd == NULL);
    CHECK_EQ(gnd.unregisters, 1);
    CHECK(hvsim_pages_in_use() < pages - NETVSC_RXBUF_PAGES);
    CHECK_EQ(hvsim_violations(), 0);
}

/* --- Resources ----------------------------------------------------------------------------- */
/* A host that stops reading: the sections fill, then the GPA slots, then
 * xmit says -EBUSY; once the host reads again every one comes back. */
ISOLATED_TEST(netvsc_send_resources_run_out_and_come_back)
{
    struct netvsc *nv = up(NULL);
    REQUIRE(nv);
    static uint8_t f[1514];
    fill(f, sizeof f, 12);
    hvsim_chan_pause_rx(hch, true);
    unsigned sent = 0;
    int err = 0;
    for (unsigned i = 0; i < 100 && (err = guest_netdev_xmit(f, 1000)) == 0; i++)
        sent++;
    CHECK_EQ(err, -EBUSY);
    CHECK_EQ(sent, nv->nsections + NETVSC_GPA_SLOTS);
    CHECK_EQ(nv->st.tx_gpa, NETVSC_GPA_SLOTS);
    hvsim_chan_pause_rx(hch, false);
    hvsim_run_until_idle();
    CHECK_EQ(host.frames, sent);
    CHECK_EQ(nv->sect_busy, 0);
    CHECK_EQ(nv->gpa_busy, 0);
    CHECK(memcmp(hvsim_netvsc_last(&host)->data, f, 1000) == 0);
    CHECK_EQ(guest_netdev_xmit(f, 1000), 0);
    CHECK_EQ(hvsim_violations(), 0);
}

/* More frames at once than the receive buffer has slots: the host hands
 * out slots as the guest completes, and every frame arrives in order. */
ISOLATED_TEST(netvsc_receive_slots_are_recycled)
{
    struct netvsc *nv = up(cfg_batch);
    REQUIRE(nv);
    static uint8_t f[1514];
    const unsigned n = 2000;
    for (unsigned i = 0; i < n; i++) {
        fill(f, 1514, i);
        REQUIRE(hvsim_netvsc_rx(&host, f, 1514, 0) == 0);
    }
    hvsim_run_until_idle();
    CHECK(host.rx_queued_max > host.nsub);
    CHECK_EQ(gnd.rx, n);
    fill(f, 1514, n - 1);
    CHECK(memcmp(guest_netdev_frame(n - 1)->data, f, 1514) == 0);
    CHECK_EQ(hvsim_netvsc_outstanding(&host), 0);
    CHECK_EQ(hvsim_violations(), 0);
}

/* A NIC the host adds after boot is probed as a hot add; vmbus_shutdown
 * removes it cleanly (HALT, revokes, close, GPADLs down). */
ISOLATED_TEST(netvsc_hot_added_then_shut_down)
{
    hvsim_init(NULL);
    guest_netdev_reset();
    REQUIRE(hv_detect() && !hv_synic_init() && !vmbus_init());
    CHECK(gnd.nd == NULL);
    hch = hvsim_add_netvsc(&host, 0);
    hvsim_run_until_idle();
    REQUIRE(gnd.nd);
    roundtrip(13);
    vmbus_shutdown();
    CHECK(gnd.nd == NULL);
    CHECK_EQ(host.halts, 1);
    CHECK_EQ(host.revokes, 2);
    CHECK_EQ(hvsim_gpadl_count(), 0);
    CHECK_EQ(hvsim_violations(), 0);
}

/* --- A handshake that fails: everything is undone ------------------------------------------ */
static void failed_probe(void (*cfg)(struct hvsim_netvsc *), const char *expect)
{
    hvsim_init(NULL);
    size_t base = hvsim_pages_in_use();
    hch = hvsim_add_netvsc(&host, 0);
    cfg(&host);
    guest_netdev_reset();
    REQUIRE(hv_detect() && !hv_synic_init() && !vmbus_init());
    hvsim_run_until_idle();
    CHECK(gnd.nd == NULL);
    CHECK(hvsim_log_contains(expect));
    CHECK(hvsim_log_contains("netvsc: relid 1: not attached"));
    CHECK(!hvsim_chan_is_open(hch));
    CHECK_EQ(hvsim_gpadl_count(), 0);           /* buffers and rings torn down */
    CHECK(hvsim_pages_in_use() < base + 16);    /* their pages freed (the SynIC's stay) */
    CHECK_EQ(hvsim_violations(), 0);
}

static void cfg_fail_rxbuf(struct hvsim_netvsc *h) { h->fail_rxbuf = true; }
static void cfg_two_sections(struct hvsim_netvsc *h) { h->rxbuf_sections = 2; }
static void cfg_silent_rndis(struct hvsim_netvsc *h) { h->silent_rndis = true; }

ISOLATED_TEST(netvsc_refused_receive_buffer_undoes_the_probe)
{
    failed_probe(cfg_fail_rxbuf, "netvsc: NVSP 101: status 2");
}

ISOLATED_TEST(netvsc_receive_buffer_with_two_sections_is_refused)
{
    failed_probe(cfg_two_sections, "netvsc: bad receive sections (2,");
}

ISOLATED_TEST(netvsc_silent_rndis_times_out_and_undoes_the_probe)
{
    failed_probe(cfg_silent_rndis, "netvsc: RNDIS request 0x2: error -110");
}
