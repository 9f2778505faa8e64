/* Hosted tests of hv/ (hyperv.c, vmbus.c, ring.c, ic.c) against the strict
 * host simulator in tests/hvsim/. Every test runs in a forked child so the
 * guest's static state starts fresh; each asserts zero simulator
 * violations for correct behaviour, or the specific refusal for hostile
 * cases (the guest must log, refuse and keep running). */
#include <sys/wait.h>
#include <unistd.h>
#include "hv/hv_platform.h"
#include "hv/hyperv.h"
#include "hv/ic.h"
#include "hv/vmbus.h"
#include "hv/vmbus_test.h"
#include "kernel/errno.h"
#include "kernel/core/trace.h"
#include "tests/hvsim/hvsim.h"
#include "tests/unit/test.h"
#include "tests/hvsim/isolated.h"

TRACE_DECLARE(vmbus);

/* --- Helpers -------------------------------------------------------------------- */
static int guest_up(void)
{
    if (!hv_detect())
        return -ENODEV;
    int err = hv_synic_init();
    return err ? err : vmbus_init();
}

static struct vmbus_channel *chan_of_class(const struct vmbus_guid *cls)
{
    for (size_t i = 0; i < vmbus_channel_count(); i++) {
        struct vmbus_channel *ch = vmbus_channel_at(i);
        if (!memcmp(ch->offer.if_type.b, cls->b, 16))
            return ch;
    }
    return NULL;
}

/* The echo channel's receive side, run on the worker. */
static struct {
    uint8_t buf[16384];
    size_t len;
    struct vmbus_pkt_desc desc;
    unsigned got, comps, errors;
    bool hold;                      /* do not read (let the inbound ring fill) */
} rx;

static void echo_event(struct vmbus_channel *ch)
{
    if (rx.hold)
        return;
    for (;;) {
        size_t len;
        struct vmbus_pkt_desc d;
        uint8_t tmp[16384];
        int err = vmbus_recv(ch, tmp, sizeof tmp, &len, &d);
        if (err == -EAGAIN)
            return;
        if (err) {
            rx.errors++;
            return;
        }
        if (d.type == VMBUS_PKT_COMP) {
            rx.comps++;
            continue;
        }
        memcpy(rx.buf, tmp, len);
        rx.len = len;
        rx.desc = d;
        rx.got++;
    }
}

static bool got_at_least(void *arg) { return rx.got >= *(unsigned *)arg; }

static void wait_rx(unsigned n) { hvp_wait_until(got_at_least, &n, 1000); }

static struct vmbus_channel *open_echo(struct hvsim_echo *e, size_t out_bytes, size_t in_bytes)
{
    (void)e;
    struct vmbus_channel *ch = chan_of_class(&hvsim_echo_class);
    if (!ch)
        return NULL;
    memset(&rx, 0, sizeof rx);
    return vmbus_open(ch, out_bytes, in_bytes, NULL, 0, echo_event) ? NULL : ch;
}

/* --- Detection ------------------------------------------------------------------- */
ISOLATED_TEST(silent_when_not_hyperv)
{
    hvsim_init(&(struct hvsim_config){.not_hyperv = true});
    CHECK(!hv_detect());
    CHECK_EQ(hvsim_violations(), 0);               /* no MSR touched */
    CHECK_EQ(hvsim_pages_in_use(), 0);
    CHECK_STR(hvsim_log_text(), "");

    hvsim_init(&(struct hvsim_config){.other_hypervisor = true});
    CHECK(!hv_detect());
    CHECK_EQ(hvsim_violations(), 0);
}

/* The TSC rate: the frequency MSR when allowed, else the reference TSC
 * page's scale (Gen2 has no PIT to calibrate against), else nothing. */
ISOLATED_TEST(tsc_frequency_from_msr_or_reference_page)
{
    const char *src = NULL;
    hvsim_init(&(struct hvsim_config){.tsc_hz = 2593992000ull});
    CHECK_EQ(hv_tsc_khz(&src), 2593992);
    CHECK_STR(src, "Hyper-V frequency MSR");

    hvsim_init(&(struct hvsim_config){.tsc_hz = 2593992000ull, .no_tsc_freq_msr = true});
    uint64_t khz = hv_tsc_khz(&src);
    CHECK(khz >= 2593991 && khz <= 2593992);        /* scale is rounded down */
    CHECK_STR(src, "Hyper-V reference TSC page");
    CHECK_EQ(hvsim_pages_in_use(), 0);               /* the page is given back */
    CHECK_EQ(hvsim_violations(), 0);

    hvsim_init(&(struct hvsim_config){.no_tsc_freq_msr = true, .no_ref_tsc = true});
    CHECK_EQ(hv_tsc_khz(&src), 0);
    CHECK_EQ(hvsim_violations(), 0);                 /* hidden MSRs never touched */

    hvsim_init(&(struct hvsim_config){.not_hyperv = true});
    CHECK_EQ(hv_tsc_khz(&src), 0);
    CHECK_EQ(hvsim_violations(), 0);
}

TEST(scale_to_hz_matches_128bit_division)
{
    static const uint64_t hz[] = { 20000000ull, 1999999999ull, 2500000000ull, 3000000007ull, 5000000000ull,
                                   100000000000ull };
    for (size_t i = 0; i < sizeof hz / sizeof hz[0]; i++) {
        uint64_t scale = (uint64_t)(((unsigned __int128)10000000u << 64) / hz[i]);
        uint64_t want = (uint64_t)(((unsigned __int128)10000000u << 64) / scale);
        CHECK_EQ(hv_scale_to_hz(scale), want);
    }
    CHECK_EQ(hv_scale_to_hz(0), 0);
    CHECK_EQ(hv_scale_to_hz(10000000u), 0);
    CHECK_EQ(hv_scale_to_hz(UINT64_MAX), 10000000u);
}

ISOLATED_TEST(refuses_hyperv_without_synic_or_privileges)
{
    hvsim_init(&(struct hvsim_config){.no_synic = true});
    CHECK(!hv_detect());
    CHECK(hvsim_log_contains("SynIC"));
    hvsim_init(&(struct hvsim_config){.no_post_priv = true});
    CHECK(!hv_detect());
    CHECK(hvsim_log_contains("PostMessages"));
    hvsim_init(&(struct hvsim_config){.no_signal_priv = true});
    CHECK(!hv_detect());
    CHECK_EQ(hvsim_violations(), 0);
}

ISOLATED_TEST(synic_init_and_shutdown)
{
    hvsim_init(NULL);
    REQUIRE(hv_detect());
    REQUIRE(hv_synic_init() == 0);
    CHECK(hvsim_synic_ready());
    CHECK(hvsim_msr(HV_MSR_HYPERCALL) & HV_MSR_PAGE_ENABLE);
    CHECK(hvsim_msr(HV_MSR_GUEST_OS_ID) != 0);
    hv_synic_shutdown();
    CHECK(!(hvsim_msr(HV_MSR_HYPERCALL) & HV_MSR_PAGE_ENABLE));
    CHECK(!hvsim_synic_ready());
    CHECK_EQ(hvsim_pages_in_use(), 0);
    CHECK_EQ(hvsim_violations(), 0);
}

/* --- Negotiation ----------------------------------------------------------------- */
static const uint32_t all_versions[] = {
    VMBUS_VERSION_WIN8, VMBUS_VERSION_WIN8_1, VMBUS_VERSION_WIN10, VMBUS_VERSION_WIN10_RS3_0,
    VMBUS_VERSION_WIN10_RS3_1, VMBUS_VERSION_WIN10_RS4, VMBUS_VERSION_WIN10_RS5, VMBUS_VERSION_IRON,
};
static uint32_t the_version;

static void negotiate_one(void)
{
    struct hvsim_config c = {.versions = {the_version}, .nversions = 1, .msg_conn_id = 0x21};
    hvsim_init(&c);
    REQUIRE(guest_up() == 0);
    CHECK_EQ(vmbus_version(), the_version);
    CHECK_EQ(hvsim_negotiated_version(), the_version);
    CHECK_EQ(hvsim_conn_state(), HVS_OFFERS_SENT);  /* later messages used the right port */
    CHECK_EQ(hvsim_violations(), 0);
    vmbus_shutdown();
    CHECK_EQ(hvsim_unload_count(), the_version >= VMBUS_VERSION_WIN8_1 ? 1 : 0);
    CHECK_EQ(hvsim_violations(), 0);
}

TEST(negotiates_each_host_version)
{
    for (size_t i = 0; i < sizeof all_versions / sizeof all_versions[0]; i++) {
        the_version = all_versions[i];
        isolated(negotiate_one);
    }
}

ISOLATED_TEST(newest_common_version_wins)
{
    hvsim_init(&(struct hvsim_config){
        .versions = {VMBUS_VERSION_WIN8, VMBUS_VERSION_WIN10, VMBUS_VERSION_WIN10_RS4}, .nversions = 3});
    REQUIRE(guest_up() == 0);
    CHECK_EQ(vmbus_version(), VMBUS_VERSION_WIN10_RS4);
    CHECK_EQ(hvsim_violations(), 0);
}

ISOLATED_TEST(host_accepting_no_version_fails_cleanly)
{
    hvsim_init(&(struct hvsim_config){.versions_none = true});
    REQUIRE(hv_detect());
    REQUIRE(hv_synic_init() == 0);
    int err = vmbus_init();
    CHECK(err < 0);
    CHECK_EQ(vmbus_version(), 0);
    CHECK_EQ(hvsim_plat.wait_timeouts, 0);         /* answered "no", not timed out */
    CHECK(hvsim_log_contains("vmbus:"));
    CHECK_EQ(hvsim_violations(), 0);
    hv_synic_shutdown();
    CHECK_EQ(hvsim_pages_in_use(), 0);
}

ISOLATED_TEST(transient_post_failures_are_retried)
{
    hvsim_init(NULL);
    REQUIRE(hv_detect());
    REQUIRE(hv_synic_init() == 0);
    hvsim_fail_next_posts(3, HV_STATUS_INSUFFICIENT_BUFFERS);
    CHECK_EQ(vmbus_init(), 0);
    CHECK(hv_stats.post_retries >= 3);
    CHECK_EQ(hvsim_violations(), 0);
}

/* "Posted too frequently" (INVALID_CONNECTION_ID) is transient too, with
 * back-off between tries -- except for INITIATE_CONTACT, where it means an
 * old host. */
ISOLATED_TEST(too_frequent_posts_are_retried_with_backoff)
{
    static struct hvsim_echo e;
    hvsim_init(NULL);
    hvsim_add_echo(&e, 0);
    REQUIRE(guest_up() == 0);
    struct vmbus_channel *ch = chan_of_class(&hvsim_echo_class);
    REQUIRE(ch);
    uint64_t retries = hv_stats.post_retries;
    hvsim_fail_next_posts(12, HV_STATUS_INVALID_CONNECTION_ID);
    CHECK_EQ(vmbus_open(ch, 8 * 4096, 8 * 4096, NULL, 0, echo_event), 0);
    CHECK_EQ(hv_stats.post_retries - retries, 12);
    CHECK(hvsim_plat.backoffs >= 12);
    CHECK_EQ(hvsim_violations(), 0);
}

/* hv/ speaks errno values only: hypercall statuses are translated at the
 * edge (hv_status_to_errno), after the retry decisions. */
TEST(hypercall_status_to_errno)
{
    CHECK_EQ(hv_status_to_errno(HV_STATUS_SUCCESS), 0);
    CHECK_EQ(hv_status_to_errno(HV_STATUS_INVALID_HYPERCALL_CODE), -ENOSYS);
    CHECK_EQ(hv_status_to_errno(HV_STATUS_INVALID_HYPERCALL_INPUT), -EINVAL);
    CHECK_EQ(hv_status_to_errno(HV_STATUS_INVALID_ALIGNMENT), -EINVAL);
    CHECK_EQ(hv_status_to_errno(HV_STATUS_INVALID_PARAMETER), -EINVAL);
    CHECK_EQ(hv_status_to_errno(HV_STATUS_ACCESS_DENIED), -EACCES);
    CHECK_EQ(hv_status_to_errno(HV_STATUS_INSUFFICIENT_MEMORY), -ENOMEM);
    CHECK_EQ(hv_status_to_errno(HV_STATUS_INSUFFICIENT_BUFFERS), -EAGAIN);
    CHECK_EQ(hv_status_to_errno(HV_STATUS_INVALID_PORT_ID), -ENXIO);
    CHECK_EQ(hv_status_to_errno(HV_STATUS_INVALID_CONNECTION_ID), -ENOENT);
    CHECK_EQ(hv_status_to_errno(0x1234), -EIO);
}

ISOLATED_TEST(post_failures_are_errno_values)
{
    static const uint8_t msg[8] = { VMBUS_MSG_REQUESTOFFERS };
    hvsim_init(NULL);
    REQUIRE(hv_detect());
    REQUIRE(hv_synic_init() == 0);
    uint64_t retries = hv_stats.post_retries;
    CHECK_EQ(hv_post_message(1, msg, HV_MESSAGE_PAYLOAD_MAX + 1), -EINVAL);
    hvsim_fail_next_posts(1, HV_STATUS_ACCESS_DENIED);          /* not transient */
    CHECK_EQ(hv_post_message(1, msg, sizeof msg), -EACCES);
    CHECK_EQ(hv_stats.post_retries, retries);
    CHECK(hvsim_log_contains("status 0x6"));                    /* the status, logged once seen */
    hvsim_fail_next_posts(100, HV_STATUS_INSUFFICIENT_BUFFERS); /* retried until the count runs out */
    CHECK_EQ(hv_post_message(1, msg, sizeof msg), -EAGAIN);
    CHECK_EQ(hv_stats.post_retries - retries, 99);              /* 100 tries */
    CHECK_EQ(hvsim_violations(), 0);
}

/* Linux drivers/hv/connection.c vmbus_post_msg: 100 tries; after a refused
 * try it waits `usec`, starting at 1 us and doubling while fewer than 22
 * tries were refused. The expected delays are computed from that rule. */
static unsigned linux_post_delay(unsigned refused)     /* refused >= 1 */
{
    unsigned usec = 1;
    for (unsigned r = 1; r < refused; r++)
        if (r < 22)
            usec *= 2;
    return usec;
}

ISOLATED_TEST(post_backoff_follows_linux)
{
    static const uint8_t msg[8] = { VMBUS_MSG_REQUESTOFFERS };
    hvsim_init(NULL);
    REQUIRE(hv_detect());
    REQUIRE(hv_synic_init() == 0);
    /* 30 refusals, then the post goes through: 30 delays. */
    hvsim_plat.backoffs = 0;
    hvsim_fail_next_posts(30, HV_STATUS_INSUFFICIENT_MEMORY);
    CHECK_EQ(hv_post_message(1, msg, sizeof msg), 0);
    CHECK_EQ(hvsim_plat.backoffs, 30);
    for (unsigned i = 0; i < 30; i++)
        CHECK_EQ(hvsim_plat.backoff_us[i], linux_post_delay(i + 1));
    CHECK_EQ(hvsim_plat.backoff_us[21], 2097152);   /* about 2 s, and no more */
    CHECK_EQ(hvsim_plat.backoff_us[29], 2097152);
    /* Refused for good: 100 tries, 99 delays in between, about 166 s. */
    hvsim_plat.backoffs = 0;
    hvsim_plat.backoff_us_total = 0;
    uint64_t posts = hv_stats.posts, total = 0;
    hvsim_fail_next_posts(1000, HV_STATUS_INSUFFICIENT_BUFFERS);
    CHECK_EQ(hv_post_message(1, msg, sizeof msg), -EAGAIN);
    CHECK_EQ(hv_stats.posts - posts, 100);
    for (unsigned i = 1; i <= 99; i++)
        total += linux_post_delay(i);
    CHECK_EQ(hvsim_plat.backoff_us_total, total);
    CHECK(total > 160000000ull && total < 170000000ull);
    hvsim_fail_next_posts(0, 0);
    /* The one post that went through was REQUESTOFFERS before contact. */
    CHECK_EQ(hvsim_violations(), hvsim_violation_count(HVV_MSG_STATE));
}

/* The no-retry rule for INVALID_CONNECTION_ID is keyed on the message
 * (INITIATE_CONTACT: no such port, an older host), not on the connection
 * (Linux vmbus_post_msg). */
ISOLATED_TEST(invalid_connection_id_no_retry_only_for_initiate_contact)
{
    static const uint8_t contact[8] = { VMBUS_MSG_INITIATE_CONTACT };
    static const uint8_t offers[8] = { VMBUS_MSG_REQUESTOFFERS };
    hvsim_init(NULL);
    REQUIRE(hv_detect());
    REQUIRE(hv_synic_init() == 0);
    uint64_t retries = hv_stats.post_retries;
    hvsim_fail_next_posts(1, HV_STATUS_INVALID_CONNECTION_ID);
    CHECK_EQ(hv_post_message(1, contact, sizeof contact), -ENOENT);     /* any port */
    CHECK_EQ(hv_stats.post_retries, retries);
    CHECK(!hvsim_log_contains("HvPostMessage"));                        /* expected: not logged */
    hvsim_fail_next_posts(3, HV_STATUS_INVALID_CONNECTION_ID);
    CHECK_EQ(hv_post_message(4, offers, sizeof offers), 0);            /* port 4, another message */
    CHECK_EQ(hv_stats.post_retries - retries, 3);
    hvsim_clear_violations();       /* the simulator refuses REQUESTOFFERS before contact */
}

ISOLATED_TEST(trace_prints_channel_messages)
{
    hvsim_init(NULL);
    trace_vmbus = true;
    REQUIRE(guest_up() == 0);
    CHECK(hvsim_log_contains("INITIATE_CONTACT"));
    CHECK(hvsim_log_contains("VERSION_RESPONSE"));
    CHECK(hvsim_log_contains("ALLOFFERS_DELIVERED"));
    trace_vmbus = false;
}

/* --- Offers ------------------------------------------------------------------------ */
ISOLATED_TEST(no_offers)
{
    hvsim_init(NULL);
    REQUIRE(guest_up() == 0);
    CHECK_EQ(vmbus_channel_count(), 0);
    CHECK_EQ(hvsim_violations(), 0);
}

ISOLATED_TEST(several_offers_and_ics_probed)
{
    static struct hvsim_echo e1, e2;
    static struct hvsim_ic hb, sd, ts;
    hvsim_init(NULL);
    hvsim_add_echo(&e1, 0);
    hvsim_add_ic(&hb, HVSIM_IC_HEARTBEAT, 0);
    hvsim_add_ic(&sd, HVSIM_IC_SHUTDOWN, 0);
    hvsim_add_ic(&ts, HVSIM_IC_TIMESYNC, 0);
    hvsim_add_echo(&e2, 40);
    REQUIRE(guest_up() == 0);
    CHECK_EQ(vmbus_channel_count(), 5);
    CHECK(vmbus_channel_by_relid(40) != NULL);
    hvsim_run_until_idle();
    CHECK(hb.negotiated && sd.negotiated && ts.negotiated);
    CHECK(hvsim_log_contains("heartbeat"));
    CHECK(!e1.opened);                              /* no driver claims the echo device */
    CHECK_EQ(hvsim_violations(), 0);
    /* Hot add: probed from deferred work. */
    static struct hvsim_echo e3;
    hvsim_add_echo(&e3, 41);
    hvsim_run_until_idle();
    CHECK(vmbus_channel_by_relid(41) != NULL);
    CHECK_EQ(hvsim_violations(), 0);
    vmbus_shutdown();
    CHECK_EQ(hvsim_pages_in_use(), 0);
    CHECK_EQ(hvsim_violations(), 0);
}

/* --- GPADLs ------------------------------------------------------------------------- */
ISOLATED_TEST(gpadls_of_many_sizes)
{
    static struct hvsim_echo e;
    hvsim_init(NULL);
    hvsim_add_echo(&e, 0);
    REQUIRE(guest_up() == 0);
    struct vmbus_channel *ch = chan_of_class(&hvsim_echo_class);
    REQUIRE(ch);
    static const size_t sizes[] = {1, 2, 26, 27, 54, 55, 300, 1000};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        uint64_t phys;
        void *mem = hvp_alloc_pages(sizes[i], &phys);
        REQUIRE(mem);
        uint32_t h = 0;
        CHECK_EQ(vmbus_gpadl_create(ch, phys, sizes[i], &h), 0);
        CHECK_EQ(hvsim_gpadl_pages(h), sizes[i]);
        CHECK_EQ(vmbus_gpadl_destroy(ch, h), 0);
        CHECK_EQ(hvsim_gpadl_pages(h), 0);
        hvp_free_pages(mem, sizes[i]);
    }
    CHECK_EQ(hvsim_gpadl_count(), 0);
    CHECK_EQ(hvsim_violations(), 0);
}

/* --- Ring traffic --------------------------------------------------------------------- */
static void fill_pattern(uint8_t *p, size_t len, unsigned seed)
{
    for (size_t i = 0; i < len; i++)
        p[i] = (uint8_t)(seed * 131 + i * 7);
}

ISOLATED_TEST(odd_sizes_wrap_both_ways)
{
    static struct hvsim_echo e;
    hvsim_init(NULL);
    struct hvsim_chan *hch = hvsim_add_echo(&e, 0);
    REQUIRE(guest_up() == 0);
    struct vmbus_channel *ch = open_echo(&e, 3 * 4096, 3 * 4096);   /* 8 KiB data each */
    REQUIRE(ch);
    uint8_t out[3000];
    for (unsigned i = 0; i < 600; i++) {
        size_t len = 1 + (i * 37) % 2999;               /* odd sizes, 1..2999 */
        fill_pattern(out, len, i);
        REQUIRE(vmbus_send(ch, VMBUS_PKT_DATA_INBAND, 0, 1000 + i, out, len) == 0);
        wait_rx(i + 1);
        REQUIRE(rx.got == i + 1);
        CHECK_EQ(rx.desc.trans_id, 1000 + i);
        CHECK_EQ(rx.len, (len + 7) & ~(size_t)7);       /* the host sees the padding */
        CHECK(memcmp(rx.buf, out, len) == 0);
    }
    const struct hvsim_ring_stats *st = hvsim_chan_stats(hch);
    CHECK(st->g2h_wraps > 10);
    CHECK(st->h2g_wraps > 10);
    CHECK_EQ(st->guest_signals_needless, 0);
    CHECK_EQ(rx.errors, 0);
    CHECK_EQ(hvsim_violations(), 0);
}

ISOLATED_TEST(completion_requested_gets_comp)
{
    static struct hvsim_echo e;
    hvsim_init(NULL);
    hvsim_add_echo(&e, 0);
    REQUIRE(guest_up() == 0);
    struct vmbus_channel *ch = open_echo(&e, 2 * 4096, 2 * 4096);
    REQUIRE(ch);
    REQUIRE(vmbus_send(ch, VMBUS_PKT_DATA_INBAND, VMBUS_PKT_FLAG_COMPLETION_REQUESTED, 7, "ping", 4) == 0);
    hvsim_run_until_idle();
    CHECK_EQ(rx.got, 1);
    CHECK_EQ(rx.comps, 1);
    CHECK_EQ(hvsim_violations(), 0);
}

/* A burst while the guest is already draining: one signal, not one per packet. */
ISOLATED_TEST(signals_only_on_empty_to_nonempty)
{
    static struct hvsim_echo e;
    hvsim_init(NULL);
    struct hvsim_chan *hch = hvsim_add_echo(&e, 0);
    REQUIRE(guest_up() == 0);
    struct vmbus_channel *ch = open_echo(&e, 8 * 4096, 8 * 4096);
    REQUIRE(ch);
    uint8_t b[100] = {0};
    for (int i = 0; i < 20; i++)
        REQUIRE(vmbus_send(ch, VMBUS_PKT_DATA_INBAND, 0, (uint64_t)i, b, sizeof b) == 0);
    const struct hvsim_ring_stats *st = hvsim_chan_stats(hch);
    CHECK_EQ(st->guest_signals, 1);
    hvsim_run_until_idle();
    CHECK_EQ(rx.got, 20);
    CHECK_EQ(st->host_signals, 1);                  /* the echoes went out in one burst */
    CHECK_EQ(hvsim_violations(), 0);
}

ISOLATED_TEST(interrupt_mask_suppresses_host_signals)
{
    static struct hvsim_echo e;
    hvsim_init(NULL);
    struct hvsim_chan *hch = hvsim_add_echo(&e, 0);
    REQUIRE(guest_up() == 0);
    struct vmbus_channel *ch = open_echo(&e, 4 * 4096, 4 * 4096);
    REQUIRE(ch);
    rx.hold = true;
    vmbus_ring_mask(&ch->in);
    const struct hvsim_ring_stats *st = hvsim_chan_stats(hch);
    uint64_t before = st->host_signals;
    hvsim_chan_send(hch, VMBUS_PKT_DATA_INBAND, 0, 1, "abc", 3);
    hvsim_run_until_idle();
    CHECK_EQ(st->host_signals, before);
    CHECK(vmbus_ring_unmask(&ch->in));              /* data arrived meanwhile */
    rx.hold = false;
    echo_event(ch);
    CHECK_EQ(rx.got, 1);
    CHECK_EQ(hvsim_violations(), 0);
}

/* A 4.0 host offering is_dedicated_interrupt = 0: every signal carries the
 * channel's bit in the interrupt page's guest->host half (Linux
 * vmbus_set_event); without it the simulator reports the signal lost. */
ISOLATED_TEST(shared_interrupt_sets_the_channel_bit)
{
    static struct hvsim_echo e;
    hvsim_init(&(struct hvsim_config){.versions = {VMBUS_VERSION_WIN10}, .nversions = 1,
                                      .offer_shared_interrupt = true});
    struct hvsim_chan *hch = hvsim_add_echo(&e, 0);
    REQUIRE(guest_up() == 0);
    struct vmbus_channel *ch = open_echo(&e, 2 * 4096, 2 * 4096);
    REQUIRE(ch);
    CHECK_EQ(ch->offer.is_dedicated_interrupt, 0);
    uint8_t b[3000] = {0};
    for (unsigned i = 0; i < 30; i++) {     /* several bursts, and flow control both ways */
        CHECK_EQ(vmbus_send_wait(ch, VMBUS_PKT_DATA_INBAND, 0, i, b, sizeof b, 1000), 0);
        hvsim_run_until_idle();
    }
    CHECK_EQ(rx.got, 30);
    const struct hvsim_ring_stats *st = hvsim_chan_stats(hch);
    CHECK(st->guest_signals >= 1);
    CHECK_EQ(st->shared_int_bits, st->guest_signals);
    CHECK_EQ(hvsim_violations(), 0);
}

/* A host that offers monitor_allocated = 1 (MNF) still accepts
 * HvSignalEvent, which minnow always uses (Linux vmbus_setevent). */
ISOLATED_TEST(monitor_allocated_offer_signals_with_hvsignalevent)
{
    static struct hvsim_echo e;
    hvsim_init(&(struct hvsim_config){.offer_monitor_allocated = true});
    hvsim_add_echo(&e, 0);
    REQUIRE(guest_up() == 0);
    struct vmbus_channel *ch = open_echo(&e, 2 * 4096, 2 * 4096);
    REQUIRE(ch);
    CHECK_EQ(ch->offer.monitor_allocated, 1);
    uint8_t b[100] = {0};
    CHECK_EQ(vmbus_send(ch, VMBUS_PKT_DATA_INBAND, 0, 1, b, sizeof b), 0);
    wait_rx(1);
    CHECK_EQ(rx.got, 1);
    CHECK_EQ(hvsim_violations(), 0);
}

/* The host fills the guest's inbound ring, waits with pending_send_sz, and
 * must be woken by the guest exactly when enough space is free. */
ISOLATED_TEST(host_pending_send_sz_wakeup)
{
    static struct hvsim_echo e;
    hvsim_init(NULL);
    struct hvsim_chan *hch = hvsim_add_echo(&e, 0);
    REQUIRE(guest_up() == 0);
    struct vmbus_channel *ch = open_echo(&e, 2 * 4096, 2 * 4096);   /* 4 KiB inbound */
    REQUIRE(ch);
    rx.hold = true;
    uint8_t b[500];
    for (unsigned i = 0; i < 40; i++) {
        fill_pattern(b, sizeof b, i);
        hvsim_chan_send(hch, VMBUS_PKT_DATA_INBAND, 0, i, b, sizeof b);
    }
    hvsim_run_until_idle();
    const struct hvsim_ring_stats *st = hvsim_chan_stats(hch);
    CHECK(st->host_waits >= 1);
    CHECK(hvsim_chan_backlog(hch) > 0);
    rx.hold = false;
    unsigned n = 40;
    echo_event(ch);                 /* the driver drains on its own schedule */
    hvp_wait_until(got_at_least, &n, 1000);
    CHECK_EQ(rx.got, 40);
    CHECK_EQ(hvsim_chan_backlog(hch), 0);
    CHECK(st->host_resumes >= 1);
    CHECK_EQ(st->guest_signals_needless, 0);
    CHECK_EQ(hvsim_violations(), 0);                /* no lost wake-up either */
}

/* The guest fills its outbound ring while the host is not reading: sends
 * fail with -EAGAIN, the guest asks for a wake-up with pending_send_sz,
 * and the host signals it when it has drained enough. */
ISOLATED_TEST(guest_pending_send_sz_wakeup)
{
    static struct hvsim_echo e;
    hvsim_init(NULL);
    struct hvsim_chan *hch = hvsim_add_echo(&e, 0);
    REQUIRE(guest_up() == 0);
    struct vmbus_channel *ch = open_echo(&e, 2 * 4096, 16 * 4096);
    REQUIRE(ch);
    hvsim_chan_pause_rx(hch, true);
    uint8_t b[600] = {0};
    int sent = 0, err = 0;
    while (sent < 100 && (err = vmbus_send(ch, VMBUS_PKT_DATA_INBAND, 0, (uint64_t)sent, b, sizeof b)) == 0)
        sent++;
    CHECK_EQ(err, -EAGAIN);
    CHECK(ch->out.ctl->pending_send_sz != 0);       /* asks to be woken */
    uint64_t sig0 = hvsim_chan_stats(hch)->host_signals;
    hvsim_chan_pause_rx(hch, false);
    hvsim_run_until_idle();
    CHECK(hvsim_chan_stats(hch)->host_signals > sig0);
    CHECK_EQ(vmbus_send(ch, VMBUS_PKT_DATA_INBAND, 0, 999, b, sizeof b), 0);
    CHECK_EQ(hvsim_violations(), 0);
}

/* --- Rescind ------------------------------------------------------------------------------ */
ISOLATED_TEST(rescind_while_open)
{
    static struct hvsim_echo e;
    hvsim_init(NULL);
    struct hvsim_chan *hch = hvsim_add_echo(&e, 0);
    REQUIRE(guest_up() == 0);
    struct vmbus_channel *ch = open_echo(&e, 2 * 4096, 2 * 4096);
    REQUIRE(ch);
    uint32_t relid = ch->relid;
    trace_vmbus = true;
    hvsim_log_clear();
    hvsim_rescind(hch);
    hvsim_run_until_idle();
    CHECK(hvsim_chan_released(hch));
    /* Linux vmbus_close_internal: CLOSECHANNEL for the open channel (before
     * RELID_RELEASED, or the simulator objects), no GPADL_TEARDOWN. */
    CHECK_EQ(hvsim_chan_closes(hch), 1);
    CHECK(hvsim_log_contains("-> CLOSECHANNEL"));
    CHECK(!hvsim_log_contains("-> GPADL_TEARDOWN"));
    trace_vmbus = false;
    CHECK(vmbus_channel_by_relid(relid) == NULL);
    CHECK_EQ(vmbus_stats.rescinds, 1);
    CHECK_EQ(hvsim_violations(), 0);
    vmbus_shutdown();
    CHECK_EQ(hvsim_pages_in_use(), 0);
}

/* Found by fuzz_vmbus: the host rescinds while the guest waits for
 * GPADL_CREATED in vmbus_open. The open fails cleanly and the channel is
 * released only after the opener is done with it. */
ISOLATED_TEST(rescind_during_open)
{
    static struct hvsim_echo e;
    hvsim_init(NULL);
    struct hvsim_chan *hch = hvsim_add_echo(&e, 0);
    REQUIRE(guest_up() == 0);
    struct vmbus_channel *ch = chan_of_class(&hvsim_echo_class);
    REQUIRE(ch);
    uint32_t relid = ch->relid;
    hvsim_rescind(hch);                 /* queued: arrives during the open's wait */
    CHECK(vmbus_open(ch, 2 * 4096, 2 * 4096, NULL, 0, echo_event) != 0);
    CHECK(vmbus_channel_by_relid(relid) == ch);     /* not freed under the opener */
    hvsim_run_until_idle();
    CHECK(hvsim_chan_released(hch));
    CHECK(vmbus_channel_by_relid(relid) == NULL);
    CHECK_EQ(hvsim_violations(), 0);
}

/* Found by fuzz_vmbus: a rescind whose release is still queued when
 * vmbus_shutdown() frees every channel; the late job finds nothing. */
ISOLATED_TEST(shutdown_with_rescind_pending)
{
    static struct hvsim_echo e;
    hvsim_init(NULL);
    struct hvsim_chan *hch = hvsim_add_echo(&e, 0);
    REQUIRE(guest_up() == 0);
    hvsim_rescind(hch);
    vmbus_shutdown();                   /* handles the rescind while it waits for UNLOAD_RESPONSE */
    CHECK_EQ(vmbus_channel_count(), 0);
    hvsim_run_until_idle();             /* the queued release runs now: a no-op */
    CHECK_EQ(hvsim_pages_in_use(), 0);
}

ISOLATED_TEST(rescind_before_open)
{
    static struct hvsim_echo e;
    hvsim_init(NULL);
    struct hvsim_chan *hch = hvsim_add_echo(&e, 0);
    REQUIRE(guest_up() == 0);
    hvsim_rescind(hch);
    hvsim_run_until_idle();
    CHECK(hvsim_chan_released(hch));
    CHECK_EQ(hvsim_chan_closes(hch), 0);            /* never opened: nothing to close */
    CHECK_EQ(vmbus_channel_count(), 0);
    CHECK_EQ(hvsim_violations(), 0);
}

/* --- Integration services ---------------------------------------------------------------- */
static struct hvsim_ic ic;

static void ic_up(int kind)
{
    hvsim_init(NULL);
    hvsim_add_ic(&ic, kind, 0);
    if (guest_up() == 0)
        hvsim_run_until_idle();
}

ISOLATED_TEST(heartbeat_answered)
{
    ic_up(HVSIM_IC_HEARTBEAT);
    REQUIRE(ic.negotiated);
    CHECK_EQ(ic.fw_major, 3);
    CHECK_EQ(ic.msg_major, 3);
    for (int i = 0; i < 5; i++) {
        REQUIRE(hvsim_ic_heartbeat(&ic) == 0);
        hvsim_run_until_idle();
    }
    CHECK_EQ(ic.replies, 6);
    CHECK_EQ(ic.bad_replies, 0);
    CHECK_EQ(hvsim_violations(), 0);
}

ISOLATED_TEST(host_shutdown_powers_off)
{
    ic_up(HVSIM_IC_SHUTDOWN);
    REQUIRE(ic.negotiated);
    CHECK_EQ(ic.msg_major, 3);
    REQUIRE(hvsim_ic_shutdown(&ic, 0) == 0);
    hvsim_run_until_idle();
    CHECK_EQ(ic.replies, 2);
    CHECK_EQ(ic.last_status, 0);
    CHECK_EQ(hvsim_plat.poweroffs, 1);
    CHECK_EQ(hvsim_violations(), 0);
    /* The poweroff path: unload cleanly. */
    vmbus_shutdown();
    CHECK_EQ(hvsim_unload_count(), 1);
    CHECK_EQ(hvsim_pages_in_use(), 0);
    CHECK_EQ(hvsim_violations(), 0);
}

ISOLATED_TEST(timesync_sets_wall_clock)
{
    ic_up(HVSIM_IC_TIMESYNC);
    REQUIRE(ic.negotiated);
    CHECK_EQ(ic.msg_major, 4);
    uint64_t t = 1767225600123456700ull;          /* 2026-01-01T00:00:00.1234567Z */
    REQUIRE(hvsim_ic_timesync(&ic, t, 1) == 0);   /* SYNC */
    hvsim_run_until_idle();
    CHECK_EQ(ic.replies, 2);
    CHECK_EQ(hvsim_plat.wall_clock_sets, 1);
    uint64_t got = hvsim_plat.wall_clock_ns;
    CHECK(got >= t && got - t < 1000000);         /* + the host->guest delay, < 1 ms */
    /* Samples are hints: one within 2 s of the clock changes nothing, one
     * 10 s off steps it; every one is answered. */
    REQUIRE(hvsim_ic_timesync(&ic, t + 1000000000ull, 2) == 0);
    hvsim_run_until_idle();
    CHECK_EQ(hvsim_plat.wall_clock_sets, 1);
    REQUIRE(hvsim_ic_timesync(&ic, t + 10000000000ull, 2) == 0);
    hvsim_run_until_idle();
    CHECK_EQ(hvsim_plat.wall_clock_sets, 2);
    CHECK(hvsim_plat.wall_clock_ns >= t + 10000000000ull);
    CHECK_EQ(ic.replies, 4);
    CHECK_EQ(hvsim_violations(), 0);
}

ISOLATED_TEST(timesync_v3_format)
{
    hvsim_init(NULL);
    hvsim_add_ic(&ic, HVSIM_IC_TIMESYNC, 0);
    ic.offer_msg[0][0] = 3;                        /* a host offering 3.0 only */
    REQUIRE(guest_up() == 0);
    hvsim_run_until_idle();
    REQUIRE(ic.negotiated);
    CHECK_EQ(ic.msg_major, 3);
    uint64_t t = 1767225600000000000ull;
    REQUIRE(hvsim_ic_timesync(&ic, t, 1) == 0);
    hvsim_run_until_idle();
    CHECK_EQ(hvsim_plat.wall_clock_sets, 1);
    CHECK(hvsim_plat.wall_clock_ns >= t && hvsim_plat.wall_clock_ns - t < 1000000);
    CHECK_EQ(hvsim_violations(), 0);
}

/* --- Hostile host ---------------------------------------------------------------------------- */
/* After each abuse the guest must still work: a GPADL round trip on the
 * echo channel proves the message path is alive. */
static bool still_alive(void)
{
    struct vmbus_channel *ch = chan_of_class(&hvsim_echo_class);
    uint64_t phys;
    void *mem = hvp_alloc_pages(1, &phys);
    uint32_t h;
    bool ok = ch && vmbus_gpadl_create(ch, phys, 1, &h) == 0 && vmbus_gpadl_destroy(ch, h) == 0;
    hvp_free_pages(mem, 1);
    return ok;
}

static void hostile_up(void)
{
    static struct hvsim_echo e;
    hvsim_init(NULL);
    hvsim_add_echo(&e, 0);
    if (guest_up() != 0)
        test_fail(__FILE__, __LINE__, "guest_up");
}

ISOLATED_TEST(hostile_short_and_oversized_messages)
{
    hostile_up();
    uint64_t bad0 = vmbus_stats.bad_messages;
    struct vmbus_msg_offer o;
    hvsim_make_offer(&o, &hvsim_echo_class, &hvsim_echo_class, 60);
    hvsim_send_vmbus(&o, 100);                     /* short offer */
    uint8_t big[240] = {VMBUS_MSG_GPADL_CREATED};
    hvsim_post_to_guest(VMBUS_SINT, HV_MESSAGE_TYPE_VMBUS, big, 255);   /* payload_size > 240 */
    hvsim_post_to_guest(VMBUS_SINT, HV_MESSAGE_TYPE_VMBUS, big, 4);     /* under a header */
    hvsim_post_to_guest(VMBUS_SINT, HVMSG_TIMER_EXPIRED, big, 24);      /* not VMBus */
    hvsim_run_until_idle();
    CHECK_EQ(vmbus_stats.bad_messages - bad0, 4);
    CHECK(vmbus_channel_by_relid(60) == NULL);
    CHECK(still_alive());
    CHECK_EQ(hvsim_violations(), 0);
}

ISOLATED_TEST(hostile_messages_wrong_for_the_state)
{
    hostile_up();
    uint64_t bad0 = vmbus_stats.bad_messages;
    struct vmbus_msg_version_response vr = {{VMBUS_MSG_VERSION_RESPONSE, 0}, 1, 0, 0, 1};
    struct vmbus_msg_hdr all = {VMBUS_MSG_ALLOFFERS_DELIVERED, 0};
    struct vmbus_msg_gpadl_created gc = {{VMBUS_MSG_GPADL_CREATED, 0}, 1, 0xBAD, 0};
    struct vmbus_msg_gpadl_torndown gt = {{VMBUS_MSG_GPADL_TORNDOWN, 0}, 0xBAD};
    struct vmbus_msg_open_result orr = {{VMBUS_MSG_OPENCHANNEL_RESULT, 0}, 1, 1, 0};
    struct vmbus_msg_hdr ur = {VMBUS_MSG_UNLOAD_RESPONSE, 0};
    struct vmbus_msg_relid rs = {{VMBUS_MSG_RESCIND_CHANNELOFFER, 0}, 77};
    struct vmbus_msg_hdr req = {VMBUS_MSG_REQUESTOFFERS, 0};     /* guest->host type */
    struct vmbus_msg_hdr hi = {200, 0};
    hvsim_send_vmbus(&vr, sizeof vr);
    hvsim_send_vmbus(&all, sizeof all);
    hvsim_send_vmbus(&gc, sizeof gc);
    hvsim_send_vmbus(&gt, sizeof gt);
    hvsim_send_vmbus(&orr, sizeof orr);
    hvsim_send_vmbus(&ur, sizeof ur);
    hvsim_send_vmbus(&rs, sizeof rs);
    hvsim_send_vmbus(&req, sizeof req);
    hvsim_send_vmbus(&hi, sizeof hi);
    hvsim_run_until_idle();
    CHECK_EQ(vmbus_stats.bad_messages - bad0, 9);
    CHECK(still_alive());
    CHECK_EQ(hvsim_violations(), 0);
}

ISOLATED_TEST(hostile_offers)
{
    hostile_up();
    uint64_t bad0 = vmbus_stats.bad_messages;
    size_t n0 = vmbus_channel_count();
    struct vmbus_msg_offer o;
    hvsim_make_offer(&o, &hvsim_echo_class, &hvsim_echo_class, 0);       /* relid 0 */
    hvsim_send_vmbus(&o, sizeof o);
    hvsim_make_offer(&o, &hvsim_echo_class, &hvsim_echo_class, 5000);    /* > 2047 */
    hvsim_send_vmbus(&o, sizeof o);
    hvsim_make_offer(&o, &hvsim_echo_class, &hvsim_echo_class, 1);       /* duplicate */
    hvsim_send_vmbus(&o, sizeof o);
    hvsim_make_offer(&o, &hvsim_echo_class, &hvsim_echo_class, 70);
    o.connection_id = 0xFFFFFFFF;                                        /* > 24 bits */
    hvsim_send_vmbus(&o, sizeof o);
    hvsim_run_until_idle();
    CHECK_EQ(vmbus_stats.bad_messages - bad0, 4);
    CHECK_EQ(vmbus_channel_count(), n0);
    CHECK(still_alive());
    CHECK_EQ(hvsim_violations(), 0);
}

static void ring_abuse(int which)
{
    static struct hvsim_echo e;
    static struct hvsim_ic hb;
    hvsim_init(NULL);
    struct hvsim_chan *hch = hvsim_add_echo(&e, 0);
    hvsim_add_ic(&hb, HVSIM_IC_HEARTBEAT, 0);
    REQUIRE(guest_up() == 0);
    struct vmbus_channel *ch = open_echo(&e, 2 * 4096, 2 * 4096);
    REQUIRE(ch);
    hvsim_run_until_idle();
    uint32_t d = hvsim_ring_data_size(hch, true);
    struct vmbus_pkt_desc desc = {VMBUS_PKT_DATA_INBAND, 2, 4, 0, 1};
    switch (which) {
    case 0: hvsim_ring_set_indices(hch, true, d + 64, 0); break;          /* out of range */
    case 1: hvsim_ring_set_indices(hch, true, 20, 0); break;              /* unaligned */
    case 2:                                                               /* runs past */
        desc.len8 = (uint16_t)(d / 8 + 10);
        hvsim_ring_write_raw(hch, &desc, sizeof desc, 48);
        break;
    case 3:                                                               /* offset8 < 2 */
        desc.offset8 = 1;
        hvsim_ring_write_raw(hch, &desc, sizeof desc, 40);
        break;
    case 4:                                                               /* len8 < offset8 */
        desc.offset8 = 6;
        desc.len8 = 3;
        hvsim_ring_write_raw(hch, &desc, sizeof desc, 32);
        break;
    }
    hvsim_run_until_idle();
    CHECK(rx.errors >= 1);
    CHECK_EQ(rx.got, 0);
    CHECK(hvsim_log_contains("corrupt"));
    /* The rest of the bus keeps working. */
    REQUIRE(hvsim_ic_heartbeat(&hb) == 0);
    hvsim_run_until_idle();
    CHECK_EQ(hb.replies, 2);
    CHECK_EQ(hvsim_violations(), 0);
}

static int abuse_kind;
static void ring_abuse_child(void) { ring_abuse(abuse_kind); }

TEST(hostile_ring_indices_and_lengths)
{
    for (abuse_kind = 0; abuse_kind < 5; abuse_kind++)
        isolated(ring_abuse_child);
}

ISOLATED_TEST(hostile_silent_host_times_out)
{
    hvsim_init(&(struct hvsim_config){.silent = true});
    REQUIRE(hv_detect());
    REQUIRE(hv_synic_init() == 0);
    size_t before = hvsim_pages_in_use();
    CHECK(vmbus_init() < 0);                       /* bounded: no hang */
    CHECK(hvsim_plat.wait_timeouts >= 1);
    /* The host took the INITIATE_CONTACT and never said no: it may hold
     * the interrupt and monitor pages, so they are not freed. */
    CHECK_EQ(hvsim_pages_in_use(), before + 3);
    CHECK(hvsim_log_contains("interrupt/monitor pages: not freed"));
    hv_synic_shutdown();
    CHECK_EQ(hvsim_violations(), 0);
}

/* Linux (drivers/hv/connection.c vmbus_negotiate_version) looks only at
 * version_supported; a non-zero connection_state does not fail the bus. */
ISOLATED_TEST(version_response_connection_state_not_checked)
{
    static struct hvsim_echo e;
    hvsim_init(&(struct hvsim_config){.version_conn_state = 1});
    hvsim_add_echo(&e, 0);
    CHECK_EQ(guest_up(), 0);
    CHECK_EQ(vmbus_version(), VMBUS_VERSION_IRON);
    CHECK(chan_of_class(&hvsim_echo_class) != NULL);
    CHECK_EQ(hvsim_violations(), 0);
}

/* ALLOFFERS_DELIVERED after the first wait: the guest warns and keeps
 * waiting (Linux), and the bus comes up. */
ISOLATED_TEST(late_alloffers_delivered_is_waited_for)
{
    static struct hvsim_echo e;
    hvsim_init(&(struct hvsim_config){.alloffers_delay = 600});   /* past the first wait's idle bound */
    hvsim_add_echo(&e, 0);
    CHECK_EQ(guest_up(), 0);
    CHECK(hvsim_log_contains("still waiting"));
    CHECK(!hvsim_log_contains("going on"));
    CHECK(chan_of_class(&hvsim_echo_class) != NULL);
    CHECK_EQ(vmbus_stats.bad_messages, 0);
    CHECK_EQ(hvsim_violations(), 0);
    vmbus_shutdown();
    CHECK_EQ(hvsim_unload_count(), 1);
    CHECK_EQ(hvsim_violations(), 0);
}

/* No ALLOFFERS_DELIVERED at all: after the bound the guest goes on with
 * the offers it has, never fails the bus (the host holds its pages), and
 * a later ALLOFFERS_DELIVERED is no error. Shutdown unloads, then frees. */
ISOLATED_TEST(missing_alloffers_delivered_does_not_fail_the_bus)
{
    static struct hvsim_echo e;
    hvsim_init(&(struct hvsim_config){.no_alloffers = true});
    hvsim_add_echo(&e, 0);
    REQUIRE(hv_detect());
    REQUIRE(hv_synic_init() == 0);
    CHECK_EQ(vmbus_init(), 0);
    CHECK(hvsim_log_contains("going on with the offers so far"));
    CHECK(vmbus_test_connected());
    CHECK(chan_of_class(&hvsim_echo_class) != NULL);
    static const struct vmbus_msg_hdr done = { .type = VMBUS_MSG_ALLOFFERS_DELIVERED };
    hvsim_send_vmbus(&done, sizeof done);
    hvsim_run_until_idle();
    CHECK_EQ(vmbus_stats.bad_messages, 0);
    CHECK(hvsim_log_contains("arrived late"));
    vmbus_shutdown();
    CHECK_EQ(hvsim_unload_count(), 1);
    CHECK_EQ(hvsim_pages_in_use(), 0);
    CHECK_EQ(hvsim_violations(), 0);
}

ISOLATED_TEST(hostile_bad_msg_conn_id)
{
    hvsim_init(&(struct hvsim_config){.msg_conn_id = 0x1000000});   /* > 24 bits */
    REQUIRE(hv_detect());
    REQUIRE(hv_synic_init() == 0);
    CHECK(vmbus_init() < 0);
    CHECK(hvsim_log_contains("connection id"));
    hv_synic_shutdown();
    CHECK_EQ(hvsim_violations(), 0);
}

ISOLATED_TEST(hostile_gpadl_created_failure_status)
{
    hostile_up();
    struct vmbus_channel *ch = chan_of_class(&hvsim_echo_class);
    REQUIRE(ch);
    /* A PFN outside guest memory: the host refuses; the guest reports it. */
    uint32_t h;
    CHECK(vmbus_gpadl_create(ch, 0x7FFFF000ull, 1, &h) < 0);
    CHECK_EQ(hvsim_violation_count(HVV_MEM), 1);
    hvsim_clear_violations();
    CHECK(still_alive());
    CHECK_EQ(hvsim_violations(), 0);
}
