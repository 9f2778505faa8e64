/* libFuzzer target: storvsc's handling of what the host sends (hv/storvsc.c
 * vstor_step, on_completion, srb_result, on_inband), fed by a hostile host.
 *
 * Per input: a fresh simulator and guest (vmbus_reset_for_tests(), as in
 * fuzz_vmbus.c). The first byte picks the phase to attack:
 *   - handshake: the host is the fuzzer, answering each guest request with
 *     a completion whose id (the request's or another), length, operation,
 *     status and body come from the input;
 *   - I/O: the simulator's storvsp answers the handshake; the guest queues
 *     up to 8 commands the host never completes, then up to 48 records
 *     follow: completions for ids near the ones in flight with fuzzed
 *     SRBs (structured or raw bytes, any length), in-band notices, packets
 *     of any type; after each the guest's worker runs until idle. At the
 *     end the adapter's wait times out whatever is left.
 * Invariants: no sanitizer report; every command completed at most once,
 * and all of them in the end; host_status one of the documented values;
 * sense_len within the SRB's sense area; resid within the transfer; no
 * wait inside vmbus_poll(). Reproduce: build/fuzz/fuzz_storvsc <file>. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "hv/hv_platform.h"
#include "hv/hyperv.h"
#include "hv/storvsc_reg.h"
#include "hv/vmbus.h"
#include "hv/vmbus_test.h"
#include "kernel/errno.h"
#include "tests/hvsim/hvsim.h"
#include "tests/hvsim/hvsim_storvsc.h"
#include "tests/hvsim/scsi_fake.h"

#define FUZZ_NAME "fuzz_storvsc"
#include "tests/hvsim/fuzz_input.h"

static struct in cur;

/* --- Phase 1: the fuzzer as the host during the handshake -------------------- */

static int host_open(struct hvsim_chan *ch, const uint8_t *user_data)
{
    (void)ch, (void)user_data;
    return 0;
}

static void host_packet(struct hvsim_chan *ch, const struct vmbus_pkt_desc *d, const uint8_t *p, uint32_t len)
{
    uint8_t knobs = u8(&cur);
    struct vstor_packet r;
    memset(&r, 0, sizeof r);
    if (len >= sizeof(uint32_t) * 3 + 4)
        memcpy(&r.u, p + VSTOR_HDR_SIZE, 4);        /* echo the version */
    r.operation = (knobs & 1) ? u32(&cur) : VSTOR_OP_COMPLETE_IO;
    r.status = (knobs & 2) ? u32(&cur) : 0;
    if (knobs & 4)
        take(&cur, (uint8_t *)&r.u, sizeof r.u);
    size_t n = (knobs & 8) ? u8(&cur) % 80 : sizeof r;
    uint8_t buf[80];
    memset(buf, 0, sizeof buf);
    memcpy(buf, &r, n < sizeof r ? n : sizeof r);
    uint64_t id = (knobs & 0x10) ? u64(&cur) : d->trans_id;
    if (!(knobs & 0x20))
        hvsim_chan_send(ch, (knobs & 0x40) ? u16(&cur) : VMBUS_PKT_COMP, 0, id, buf, n);
}

static const struct hvsim_dev_ops fuzz_host = {
    .name = "fuzz-storvsp",
    .class_id = VMBUS_GUID(0xba6163d9, 0x04a1, 0x4d29, 0xb6, 0x05, 0x72, 0xe2, 0xff, 0xb1, 0xdc, 0x7f),
    .instance_id = VMBUS_GUID(0x1, 0x2, 0x3, 0, 0, 0, 0, 0, 0, 0, 0),
    .on_open = host_open,
    .on_packet = host_packet,
};

/* --- Phase 2: commands in flight, hostile completions ---------------------------- */

#define NCMD 8
static struct scsi_cmd cmds[NCMD];
static unsigned done_count[NCMD];
static struct hvsim_storvsc sim;
static char img[64];

static void unlink_img(void) { unlink(img); }

static void cmd_done(struct scsi_cmd *c) { done_count[c - cmds]++; }

static bool all_done(void *arg)
{
    unsigned n = *(unsigned *)arg;
    for (unsigned i = 0; i < n; i++)
        if (!done_count[i])
            return false;
    return true;
}

static void check_cmds(unsigned n, const char *after)
{
    if (hvsim_plat.nested_waits)
        FAILF("the guest waited inside vmbus_poll() after %s", after);
    for (unsigned i = 0; i < n; i++) {
        struct scsi_cmd *c = &cmds[i];
        if (done_count[i] > 1)
            FAILF("command %u completed %u times after %s", i, done_count[i], after);
        if (!done_count[i])
            continue;
        int hs = c->host_status;
        if (hs != 0 && hs != -ENODEV && hs != -EAGAIN && hs != -ETIMEDOUT && hs != -EIO)
            FAILF("command %u host_status %d after %s", i, hs, after);
        if (c->sense_len > VSTOR_SENSE_WIN8 || c->resid > c->len)
            FAILF("command %u sense_len %u resid %u (len %u) after %s", i, c->sense_len, c->resid, c->len, after);
    }
}

static void io_phase(struct scsi_host *h)
{
    unsigned n = 1 + u8(&cur) % NCMD;
    uint64_t bus;
    uint8_t *buf = h->ops->buf_alloc(h, 8192, &bus);
    if (!buf)
        FAILF("no buffer");
    sim.hang_next = n;
    for (unsigned i = 0; i < n; i++) {
        struct scsi_cmd *c = &cmds[i];
        memset(c, 0, sizeof *c);
        c->cdb[0] = (i & 1) ? 0x2A : 0x28;
        c->cdb[8] = 8;
        c->cdb_len = 10;
        c->dir = (i & 1) ? SCSI_DIR_OUT : SCSI_DIR_IN;
        c->buf = buf + (i & 1) * 4096;
        c->buf_bus = bus + (i & 1) * 4096;
        c->len = 4096;
        c->timeout_ms = 200;                 /* short: a fuzzed host often never answers */
        c->done = cmd_done;
        if (h->ops->queue(h, c))
            FAILF("queue %u refused", i);
    }
    hvsim_run_until_idle();
    static uint8_t raw[300];
    for (int ops = 0; ops < 48 && cur.n && hvsim_chan_is_open(sim.ch); ops++) {
        uint8_t op = u8(&cur);
        uint64_t id = (op & 0x80) ? u64(&cur) : (uint64_t)(u8(&cur) % (n + 3));
        const char *what;
        if ((op & 3) != 3) {
            struct vstor_packet p;
            memset(&p, 0, sizeof p);
            p.operation = (op & 4) ? u32(&cur) : VSTOR_OP_COMPLETE_IO;
            p.status = (op & 8) ? u32(&cur) : 0;
            p.u.srb.srb_status = u8(&cur);
            p.u.srb.scsi_status = u8(&cur);
            p.u.srb.sense_info_length = u8(&cur);
            p.u.srb.data_transfer_length = (op & 0x10) ? u32(&cur) : u16(&cur) % 4200;
            take(&cur, p.u.srb.cdb_or_sense, sizeof p.u.srb.cdb_or_sense);
            size_t len = (op & 0x20) ? u8(&cur) % 80 : sizeof p;
            memset(raw, 0, sizeof raw);
            memcpy(raw, &p, len < sizeof p ? len : sizeof p);
            hvsim_chan_send(sim.ch, (op & 0x40) ? VMBUS_PKT_DATA_INBAND : VMBUS_PKT_COMP, 0, id, raw, len);
            what = "SRB completion";
        } else {
            size_t len = u16(&cur) % sizeof raw;
            take(&cur, raw, len);
            hvsim_chan_send(sim.ch, (op & 0x40) ? u16(&cur) : VMBUS_PKT_DATA_INBAND, u8(&cur), id, raw, len);
            what = "raw packet";
        }
        hvsim_run_until_idle();
        check_cmds(n, what);
    }
    /* Whatever is left times out (or fails with -ENODEV if the channel went). */
    if (h == scsi_fake.h)
        h->ops->wait(h, all_done, &n, 10000);
    check_cmds(n, "the final wait");
    if (!all_done(&n) && h == scsi_fake.h)
        FAILF("commands still in flight after the final wait");
    if (h == scsi_fake.h)
        h->ops->buf_free(h, buf, 8192);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cur = (struct in){ data, size };
    hvsim_init(&(struct hvsim_config){ .mem_pages = 1024 });
    hvsim_set_verbose(false);
    hvsim_log_clear();
    vmbus_reset_for_tests();
    memset(&scsi_fake, 0, sizeof scsi_fake);
    memset(done_count, 0, sizeof done_count);
    bool handshake = u8(&cur) & 1;
    if (handshake) {
        hvsim_add_device(&fuzz_host, NULL, 0);
    } else {
        hvsim_storvsc_init(&sim);
        if (!img[0]) {
            snprintf(img, sizeof img, "/tmp/fuzz_storvsc.%d.img", (int)getpid());
            atexit(unlink_img);
        }
        if (hvsim_storvsc_attach(&sim, 0, img, 64, 512))
            FAILF("cannot create %s", img);
        hvsim_add_storvsc(&sim, 0);
    }
    if (!hv_detect() || hv_synic_init() || vmbus_init())
        FAILF("the guest did not come up: %s", hvsim_log_text());
    hvsim_run_until_idle();
    if (!handshake) {
        if (!scsi_fake.h)
            FAILF("storvsc did not come up against the simulator: %s", hvsim_log_text());
        io_phase(scsi_fake.h);
    }
    vmbus_shutdown();
    if (scsi_fake.h)
        FAILF("the SCSI host outlived vmbus_shutdown");
    vmbus_reset_for_tests();
    if (!handshake)
        hvsim_storvsc_fini(&sim);
    hvsim_fini();
    return 0;
}
