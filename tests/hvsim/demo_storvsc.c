/* hv-demo-storvsc: a disk found and read over VMBus, narrated, against the
 * host simulator's storvsp.
 *
 * What it is: a teaching transcript, not a test (docs/hyperv.md quotes
 * it). It builds the real hv/ sources and hv/storvsc.c against
 * tests/hvsim/, turns on `trace=storvsc`, and plays: a SCSI controller
 * offered with two disks backed by image files, the storvsc handshake
 * (with the fall-back from 6.2 to the host's 6.0), the SCSI layer's scan
 * (blk/scsi.c: REPORT LUNS, INQUIRY, READ CAPACITY...) that makes block
 * devices of the LUNs, reading the first sector through blk, a write that
 * lands in the image file, a medium error, a hot-added disk (ENUMERATE_BUS)
 * and the channel's rescind with a request in flight. Lines starting with
 * "==" or "demo:" are narration; the rest is the guest's own log, as on
 * Hyper-V with trace=storvsc.
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
#include "blk/blk.h"

/* The kernel heap blk/ uses, on malloc. */
void *kzalloc(size_t n) { return calloc(1, n); }
void *kmalloc(size_t n) { return malloc(n); }
void kfree(void *p) { free(p); }

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

static void img(char *out, unsigned lun) { sprintf(out, "%s/lun%u.img", dir, lun); }

static void req_done(struct blk_req *r) { *(bool *)r->arg = true; }

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
    if (pwrite(sim.lun[0].fd, "hello from the host's image file", 32, 0) != 32)
        return 2;
    hvsim_add_storvsc(&sim, 0);
    trace_storvsc = true;

    step("1. Connect; the host offers a SCSI controller; storvsc's handshake, then the SCSI layer's scan");
    printf("demo: LUN 0 = lun0.img (2048 x 512 B), LUN 1 = lun1.img (16384 x 4096 B)\n");
    if (!hv_detect() || hv_synic_init() || vmbus_init())
        return 2;
    struct blk_dev *d = blk_find("blk0");
    if (!d)
        return 2;
    uint64_t bus;
    uint8_t *buf = blk_buf_alloc(d, 4096, &bus);

    step("2. Read sector 0 of blk0: READ(10), the data by GPA, one range over the buffer");
    int rc = blk_rw_sync(d, BLK_READ, 0, 1, buf, bus, 5000);
    guest_log();
    printf("demo: blk_rw_sync -> %d; sector 0 reads \"%.32s\"\n", rc, buf);

    step("3. Write sector 1: the host writes it to the image file");
    memset(buf, 0, 512);
    strcpy((char *)buf, "written by minnow over VMBus");
    rc = blk_rw_sync(d, BLK_WRITE, 1, 1, buf, bus, 5000);
    char back[32] = "";
    if (pread(sim.lun[0].fd, back, 28, 512) != 28)
        return 2;
    guest_log();
    printf("demo: blk_rw_sync -> %d; the image file at byte 512 holds \"%.28s\"\n", rc, back);

    step("4. A medium error at LBA 7: CHECK CONDITION, the sense in the SRB, -EIO for the caller");
    sim.lun[0].medium_error = true;
    sim.lun[0].medium_error_lba = 7;
    rc = blk_rw_sync(d, BLK_READ, 4, 4, buf, bus, 5000);
    guest_log();
    printf("demo: blk_rw_sync -> %d\n", rc);
    sim.lun[0].medium_error = false;

    step("5. Hot add: a disk appears as LUN 2; the host sends ENUMERATE_BUS, the guest rescans");
    img(p, 2);
    hvsim_storvsc_hot_add(&sim, 2, p, 256, 512);
    hvsim_run_until_idle();
    guest_log();
    printf("demo: %u block devices\n", blk_count());

    step("6. Rescind with a request in flight: it fails with -ENODEV, the disks go");
    sim.hang_next = 1;
    bool fin = false;
    struct blk_req r = { .op = BLK_READ, .lba = 0, .count = 1, .buf = buf, .buf_bus = bus, .done = req_done,
                         .arg = &fin };
    blk_submit(d, &r);
    hvsim_run_until_idle();
    hvsim_rescind(sim.ch);
    hvsim_run_until_idle();
    guest_log();
    printf("demo: the request completed: %s, status %d; %u block devices left\n", fin ? "yes" : "no", r.status,
           blk_count());

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
