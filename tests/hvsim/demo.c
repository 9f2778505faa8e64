/* hv-demo: one whole VMBus session, narrated, against the host simulator.
 *
 * What it is: a teaching transcript, not a test. It builds the real hv/
 * sources (hyperv.c, vmbus.c, ring.c, ic.c) against tests/hvsim/, turns on
 * `trace=vmbus` and `trace=ic`, and plays a session from detection to
 * UNLOAD: CPUID and SynIC, version negotiation, offers (heartbeat,
 * shutdown, time sync and a test echo device), GPADL, OPENCHANNEL, a few
 * ring packets with the bytes of the first one, a heartbeat, a time sync,
 * the shell's `vmbus` output, a hot-added offer and its rescind, the host's
 * shutdown request, and UNLOAD. Lines starting with "==" or "demo:" are
 * this program's narration; everything else is the guest's own log, i.e.
 * exactly what a minnow VM prints on Hyper-V with trace=vmbus,ic.
 * docs/hyperv.md quotes this output and explains each step.
 *
 * Run it:
 *   make hv-demo                                   a 5.3 host (the default)
 *   make hv-demo HV_DEMO_ARGS=--host-version=4.0   an older host: the guest
 *                                                  falls back (and the 5.0+
 *                                                  connection-id rule is off)
 * It exits 1 if the simulator saw a protocol violation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hv/hv_platform.h"
#include "hv/hyperv.h"
#include "hv/ic.h"
#include "hv/vmbus.h"
#include "kernel/errno.h"
#include "kernel/core/trace.h"
#include "tests/hvsim/hvsim.h"

TRACE_DECLARE(vmbus);
TRACE_DECLARE(ic);

/* Prints what the guest logged since the last call, then forgets it. */
static void guest_log(void)
{
    fputs(hvsim_log_text(), stdout);
    hvsim_log_clear();
}

static void step(const char *title)
{
    guest_log();
    printf("\n== %s\n", title);
}

/* Lets host and guest run until neither has anything left to do. */
static void settle(void)
{
    hvsim_run_until_idle();
    guest_log();
}

/* The echo channel's callback (runs on the guest's worker): drain the
 * inbound ring. */
static unsigned echoes;

static void echo_event(struct vmbus_channel *ch)
{
    uint8_t buf[256];
    size_t len;
    struct vmbus_pkt_desc d;
    while (vmbus_recv(ch, buf, sizeof buf, &len, &d) == 0) {
        echoes++;
        printf("demo: <- packet type 0x%x flags %u offset8 %u len8 %u trans_id %llu, %zu payload bytes \"%.*s\"\n",
               d.type, d.flags, d.offset8, d.len8, (unsigned long long)d.trans_id, len, (int)strnlen((char *)buf, len),
               (char *)buf);
    }
}

static void ring_indices(const char *when, struct vmbus_channel *ch)
{
    printf("demo: %s: out ring write %u read %u, in ring write %u read %u\n", when, ch->out.ctl->write_index,
           ch->out.ctl->read_index, ch->in.ctl->write_index, ch->in.ctl->read_index);
}

/* The bytes of one packet in a ring, 16 per line, from offset `at`. */
static void hexdump(const struct vmbus_ring *r, uint32_t at, uint32_t len)
{
    for (uint32_t i = 0; i < len; i += 16) {
        printf("demo:   +%02x ", i);
        for (uint32_t j = i; j < i + 16 && j < len; j++)
            printf(" %02x", r->data[(at + j) % r->size]);
        printf("\n");
    }
}

static struct vmbus_channel *channel_of_class(const struct vmbus_guid *cls)
{
    for (size_t i = 0; i < vmbus_channel_count(); i++)
        if (vmbus_guid_eq(&vmbus_channel_at(i)->offer.if_type, cls))
            return vmbus_channel_at(i);
    return NULL;
}

static int parse_args(int argc, char **argv, struct hvsim_config *cfg)
{
    for (int i = 1; i < argc; i++) {
        unsigned maj, min;
        if (sscanf(argv[i], "--host-version=%u.%u", &maj, &min) == 2) {
            cfg->versions[0] = VMBUS_VERSION(maj, min);
            cfg->nversions = 1;
        } else {
            fprintf(stderr, "usage: %s [--host-version=MAJOR.MINOR]  (a host that accepts only that version)\n",
                    argv[0]);
            return -1;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    static struct hvsim_config cfg = { .msg_conn_id = 0x21 };
    static struct hvsim_ic hb, sd, ts;
    static struct hvsim_echo echo, hot;
    if (parse_args(argc, argv, &cfg))
        return 2;
    setvbuf(stdout, NULL, _IOLBF, 0);
    trace_vmbus = trace_ic = true;

    /* The host: a VM with the three integration services every Hyper-V VM
     * has, plus the simulator's echo device (no minnow driver claims it;
     * this program opens it by hand, as a driver's probe would). */
    hvsim_init(&cfg);
    hvsim_add_ic(&hb, HVSIM_IC_HEARTBEAT, 0);
    hvsim_add_ic(&sd, HVSIM_IC_SHUTDOWN, 0);
    hvsim_add_ic(&ts, HVSIM_IC_TIMESYNC, 0);
    struct hvsim_chan *echo_host = hvsim_add_echo(&echo, 0);

    step("1. Detection: CPUID leaves 0x40000000..0x40000006 (hv_detect)");
    if (!hv_detect())
        goto fail;

    step("2. Guest OS ID, hypercall page, SynIC message + event pages, SINT 2 (hv_synic_init)");
    if (hv_synic_init())
        goto fail;

    step("3. VMBus: version negotiation, offers, drivers probed (vmbus_init)");
    if (cfg.nversions)
        printf("demo: the host accepts version %u.%u only\n", cfg.versions[0] >> 16, cfg.versions[0] & 0xFFFF);
    else
        printf("demo: the host accepts 2.4 .. 5.3; from 5.0 on, its VERSION_RESPONSE names the connection for "
               "later messages (%u here)\n", cfg.msg_conn_id);
    if (vmbus_init())
        goto fail;
    step("4. The integration services finish negotiating their versions in-band (ic.c)");
    settle();

    step("5. Opening the echo channel: GPADL for its rings, then OPENCHANNEL (vmbus_open)");
    struct vmbus_channel *ch = channel_of_class(&hvsim_echo_class);
    /* 16 + 16 pages: more than the 26 PFNs a GPADL_HEADER holds, so a
     * GPADL_BODY follows. */
    if (!ch || vmbus_open(ch, 16 * 4096, 16 * 4096, NULL, 0, echo_event))
        goto fail;
    guest_log();
    printf("demo: rings: 16 pages out (host-bound) + 16 pages in, one GPADL; each ring = 4 KiB control page + "
           "%u data bytes\n", ch->out.size);
    settle();

    step("6. The first ring packet (vmbus_send) and its echo (vmbus_recv)");
    const struct hvsim_ring_stats *st = hvsim_chan_stats(echo_host);
    static const char hello[] = "hello, host";
    ring_indices("before", ch);
    if (vmbus_send(ch, VMBUS_PKT_DATA_INBAND, 0, 1, hello, sizeof hello))
        goto fail;
    ring_indices("after vmbus_send", ch);
    printf("demo: -> packet type 0x6 (in-band) trans_id 1, %zu payload bytes; as written into the out ring:\n",
           sizeof hello);
    hexdump(&ch->out, 0, ch->out.ctl->write_index);
    printf("demo: the ring was empty and the host's interrupt_mask clear, so the guest signalled: "
           "HvSignalEvent(conn 0x%x) x %llu\n", ch->conn_id, (unsigned long long)st->guest_signals);
    settle();
    ring_indices("after the echo", ch);

    step("7. A burst of three packets: one signal each way, not three");
    uint64_t sig_g = st->guest_signals, sig_h = st->host_signals;
    static const char *const words[] = { "one", "two", "three" };
    for (int i = 0; i < 3; i++)
        if (vmbus_send(ch, VMBUS_PKT_DATA_INBAND, 0, 2 + (uint64_t)i, words[i], strlen(words[i]) + 1))
            goto fail;
    settle();
    printf("demo: guest->host signals %llu, host->guest signals %llu for 3 packets each way\n",
           (unsigned long long)(st->guest_signals - sig_g), (unsigned long long)(st->host_signals - sig_h));

    step("8. Heartbeat (every ~2 s on Hyper-V; here, one)");
    if (hvsim_ic_heartbeat(&hb))
        goto fail;
    settle();

    step("9. Time sync: the host sends its clock (2026-01-01T00:00:00Z)");
    if (hvsim_ic_timesync(&ts, 1767225600000000000ull, 1))
        goto fail;
    settle();
    printf("demo: the guest set its wall clock to %llu ns since 1970\n",
           (unsigned long long)hvsim_plat.wall_clock_ns);

    step("10. The shell's `vmbus` command (vmbus_dump)");
    vmbus_dump();
    guest_log();

    step("11. A hot-added offer, then the host takes it back (rescind)");
    struct hvsim_chan *hot_host = hvsim_add_echo(&hot, 40);
    settle();
    hvsim_rescind(hot_host);
    settle();

    step("12. The host asks the guest to shut down (Hyper-V Manager: Shut Down)");
    if (hvsim_ic_shutdown(&sd, 0))
        goto fail;
    settle();
    printf("demo: the guest asked its platform to power off (\"%s\"); minnow's poweroff hook runs "
           "vmbus_shutdown()\n", hvsim_plat.poweroff_why);

    step("13. Closing the channels and UNLOAD (vmbus_shutdown)");
    vmbus_close(ch);
    vmbus_shutdown();
    guest_log();

    printf("\n== %u echoes received, %u simulator violations\n", echoes, hvsim_violations());
    int rc = hvsim_violations() ? 1 : 0;
    hvsim_fini();
    return rc;

fail:
    guest_log();
    printf("demo: the session stopped early (see the log above)\n");
    hvsim_fini();
    return 1;
}
