/* hv-demo-storvsc: a disk found and read over VMBus, narrated, against the
 * host simulator's storvsp.
 *
 * What it is: a teaching transcript, not a test (docs/hyperv.md quotes
 * it). It builds the real hv/ sources and hv/storvsc.c against
 * tests/hvsim/, turns on `trace=storvsc`, and plays: a SCSI controller
 * offered with two disks backed by image files, the storvsc handshake
 * (with the fall-back from 6.2 to the host's 6.0), the commands a SCSI
 * layer's scan sends (REPORT LUNS, INQUIRY, READ CAPACITY), reading the
 * first sector, a write that lands in the image file, a hot-added disk
 * (ENUMERATE_BUS) and the channel's rescind with a command in flight.
 * The SCSI layer here is the tests' stand-in (scsi_fake.h); the commands
 * are the ones blk/scsi.c sends. Lines starting with "==" or "demo:" are
 * narration; the rest is the guest's own log, as on Hyper-V with
 * trace=storvsc.
 *
 * Run it: make hv-demo-storvsc. It exits 1 if the simulator saw a
 * protocol violation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "hv/hv_platform.h"
#include "hv/hyperv.h"
#include "hv/vmbus.h"
#include "kernel/core/trace.h"
#include "kernel/errno.h"
#include "tests/hvsim/hvsim.h"
#include "tests/hvsim/hvsim_storvsc.h"
#include "tests/hvsim/scsi_fake.h"

TRACE_DECLARE(storvsc);

static struct hvsim_storvsc sim;
static char dir[64];

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

static void mark(struct scsi_cmd *c) { *(bool *)c->arg = true; }
static bool done(void *arg) { return *(bool *)arg; }

/* One command, waited for through the adapter; prints its outcome. */
static struct scsi_cmd c;

static int cmd(struct scsi_host *h, unsigned lun, const uint8_t *cdb, uint8_t cdb_len, enum scsi_dir dir_,
               void *buf, uint64_t bus, uint32_t len)
{
    bool fin = false;
    memset(&c, 0, sizeof c);
    c.lun = (uint16_t)lun;
    memcpy(c.cdb, cdb, cdb_len);
    c.cdb_len = cdb_len;
    c.dir = dir_;
    c.buf = buf;
    c.buf_bus = bus;
    c.len = len;
    c.done = mark;
    c.arg = &fin;
    int err = h->ops->queue(h, &c);
    if (!err)
        err = h->ops->wait(h, done, &fin, 10000);
    guest_log();
    printf("demo: host_status %d, SCSI status %#x, %u bytes moved\n", err ? err : c.host_status, c.status,
           c.len - c.resid);
    return err ? err : c.host_status;
}

static void img(char *out, unsigned lun) { sprintf(out, "%s/lun%u.img", dir, lun); }

int main(void)
{
    strcpy(dir, "/tmp/hv-demo-storvsc-XXXXXX");
    if (!mkdtemp(dir))
        return 2;
    char p[96];
    hvsim_init(NULL);
    hvsim_storvsc_init(&sim);
    img(p, 0);
    hvsim_storvsc_attach(&sim, 0, p, 2048, 512);            /* 1 MiB */
    img(p, 1);
    hvsim_storvsc_attach(&sim, 1, p, 16384, 4096);          /* 64 MiB, 4 KiB sectors */
    pwrite(sim.lun[0].fd, "hello from the host's image file", 32, 0);
    hvsim_add_storvsc(&sim, 0);
    trace_storvsc = true;

    step("1. Connect; the host offers a SCSI controller, storvsc probes it");
    printf("demo: LUN 0 = lun0.img (2048 x 512 B), LUN 1 = lun1.img (16384 x 4096 B)\n");
    if (!hv_detect() || hv_synic_init() || vmbus_init())
        return 2;
    struct scsi_host *h = scsi_fake.h;
    if (!h)
        return 2;

    uint64_t bus;
    uint8_t *buf = h->ops->buf_alloc(h, 4096, &bus);

    step("2. Find the disks: REPORT LUNS on target 0 (the VSP answers it itself)");
    const uint8_t report_luns[12] = { 0xA0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0, 0, 0 };
    cmd(h, 0, report_luns, 12, SCSI_DIR_IN, buf, bus, 256);
    printf("demo: list length %u: LUNs", buf[3]);
    for (unsigned i = 0; i < buf[3] / 8u; i++)
        printf(" %u", buf[8 + 8 * i + 1]);
    printf("\n");

    step("3. INQUIRY and READ CAPACITY(10) on each");
    for (unsigned lun = 0; lun < 2; lun++) {
        const uint8_t inquiry[6] = { 0x12, 0, 0, 0, 36, 0 };
        cmd(h, lun, inquiry, 6, SCSI_DIR_IN, buf, bus, 36);
        printf("demo: LUN %u: type %#x \"%.8s\" \"%.16s\" \"%.4s\"\n", lun, buf[0], buf + 8, buf + 16, buf + 32);
        const uint8_t capacity[10] = { 0x25 };
        cmd(h, lun, capacity, 10, SCSI_DIR_IN, buf, bus, 8);
        unsigned last = (unsigned)buf[0] << 24 | buf[1] << 16 | buf[2] << 8 | buf[3];
        unsigned bs = (unsigned)buf[4] << 24 | buf[5] << 16 | buf[6] << 8 | buf[7];
        printf("demo: LUN %u: %u sectors of %u bytes\n", lun, last + 1, bs);
    }

    step("4. READ(10) LBA 0 of LUN 0: the data comes by GPA, one range over the buffer");
    const uint8_t read10[10] = { 0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0 };
    cmd(h, 0, read10, 10, SCSI_DIR_IN, buf, bus, 512);
    printf("demo: sector 0 reads \"%.32s\"\n", buf);

    step("5. WRITE(10) LBA 1 of LUN 0: the host writes it to the image file");
    memset(buf, 0, 512);
    strcpy((char *)buf, "written by minnow over VMBus");
    const uint8_t write10[10] = { 0x2A, 0, 0, 0, 0, 1, 0, 0, 1, 0 };
    cmd(h, 0, write10, 10, SCSI_DIR_OUT, buf, bus, 512);
    char back[32] = "";
    pread(sim.lun[0].fd, back, 28, 512);
    printf("demo: the image file at byte 512 now holds \"%.28s\"\n", back);

    step("6. A medium error at LBA 7: CHECK CONDITION, the sense comes back in the SRB");
    sim.lun[0].medium_error = true;
    sim.lun[0].medium_error_lba = 7;
    const uint8_t read_bad[10] = { 0x28, 0, 0, 0, 0, 4, 0, 0, 4, 0 };
    cmd(h, 0, read_bad, 10, SCSI_DIR_IN, buf, bus, 2048);
    printf("demo: sense (%u bytes): key %u, ASC/ASCQ %#x/%#x (unrecovered read error), LBA %u\n", c.sense_len,
           c.sense[2] & 0xF, c.sense[12], c.sense[13], c.sense[3] << 24 | c.sense[4] << 16 | c.sense[5] << 8 | c.sense[6]);

    step("7. Hot add: a disk appears as LUN 2; the host sends ENUMERATE_BUS, the guest rescans");
    img(p, 2);
    hvsim_storvsc_hot_add(&sim, 2, p, 256, 512);
    hvsim_run_until_idle();
    guest_log();
    printf("demo: the SCSI layer was asked to rescan %u time(s)\n", scsi_fake.rescans);

    step("8. Rescind with a command in flight: it fails with -ENODEV, the host adapter goes");
    sim.hang_next = 1;
    bool fin = false;
    memset(&c, 0, sizeof c);
    memcpy(c.cdb, read10, 10);
    c.cdb_len = 10;
    c.dir = SCSI_DIR_IN;
    c.buf = buf;
    c.buf_bus = bus;
    c.len = 512;
    c.done = mark;
    c.arg = &fin;
    h->ops->queue(h, &c);
    hvsim_run_until_idle();
    hvsim_rescind(sim.ch);
    hvsim_run_until_idle();
    guest_log();
    printf("demo: the command completed: %s, host_status %d; SCSI hosts removed: %u\n", fin ? "yes" : "no",
           c.host_status, scsi_fake.removes);

    unsigned v = hvsim_violations();
    printf("\n== simulator violations: %u\n", v);
    hvsim_storvsc_fini(&sim);
    for (unsigned i = 0; i < 3; i++) {
        img(p, i);
        unlink(p);
    }
    rmdir(dir);
    return v ? 1 : 0;
}
