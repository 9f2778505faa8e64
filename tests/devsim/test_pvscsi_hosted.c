/* Hosted tests of vmw/pvscsi.c (with blk/scsi.c and blk/blk.c on top)
 * against the register-level model of tests/devsim/pvscsi_model.c: setup
 * through the command register, the scan, I/O through the rings with MSI
 * and with INTx, hot-plug messages, and a hostile or silent device
 * (completions for unknown contexts, a completion index that jumps, an
 * unknown message, requests never answered: abort, bus reset, give up).
 * No thread runs here: waiting steps the device (interrupt, then the
 * driver's service function). */
#include "tests/unit/test.h"
#include "tests/devsim/host.h"
#include "tests/devsim/pvscsi_model.h"
#include "blk/blk.h"
#include "blk/scsi.h"
#include "kernel/errno.h"
#include "kernel/sched/sched.h"
#include "vmw/pvscsi_reg.h"

int pvscsi_test_probe(struct pci_dev *pd);
void pvscsi_test_service(struct pci_dev *pd);
void pvscsi_test_remove(struct pci_dev *pd);

/* ---- The scheduler, as far as the driver waits ---------------------------- */
static struct pvm *cur;
static unsigned waits;

static void step(void)
{
    while (devhost_irq_deliver(&cur->dev))
        ;
    pvscsi_test_service(&cur->dev.pci);
}

uint64_t sched_deadline_after(uint64_t ns) { return host.now_ns + ns; }
int waitq_wake_all(struct waitq *wq) { (void)wq; return 0; }
int sem_down_timeout(struct semaphore *s, uint64_t ns) { (void)s, (void)ns; return -ETIMEDOUT; }
int waitq_wait_until(struct waitq *wq, uint64_t deadline)
{
    (void)wq;
    waits++;
    step();
    if (host.now_ns >= deadline)
        return -ETIMEDOUT;
    host.now_ns += 1000000;             /* a millisecond per wait */
    return 0;
}

/* ---- Fixture ---------------------------------------------------------------- */
static struct pvm *start(unsigned irq_modes, bool msgs)
{
    devhost_reset();
    host_reset();
    cur = pvm_new(4, irq_modes);
    cur->no_msg_ring = !msgs;
    host.echo_log = getenv("PVSCSI_ECHO") != NULL;
    pvm_add_disk(cur, 0);
    pvm_add_disk(cur, 5);
    return cur;
}

static void stop(void)
{
    pvscsi_test_remove(&cur->dev.pci);
    CHECK_EQ(blk_count(), 0);
    pvm_free(cur);
    cur = NULL;
}

static struct blk_dev *disk_at(unsigned target)
{
    char tail[16];
    snprintf(tail, sizeof tail, ":0:%u:0", target);
    for (unsigned i = 0; i < blk_count(); i++) {
        const char *w = blk_get(i)->where, *t = strstr(w, ":0:");
        if (t && strcmp(t, tail) == 0)
            return blk_get(i);
    }
    return NULL;
}

/* Writes 8 sectors of a pattern at lba and reads them back: 0 or -errno. */
static int roundtrip(struct blk_dev *d, unsigned target, uint64_t lba, uint8_t seed)
{
    uint64_t bus;
    uint8_t *b = blk_buf_alloc(d, 4096, &bus);
    if (!b)
        return -ENOMEM;
    for (int i = 0; i < 4096; i++)
        b[i] = (uint8_t)(i * 13 + seed);
    int rc = blk_rw_sync(d, BLK_WRITE, lba, 8, b, bus, 120000);
    if (!rc && memcmp(cur->disk[target].data + lba * 512, b, 4096) != 0)
        rc = -EPROTO;
    memset(b, 0, 4096);
    if (!rc)
        rc = blk_rw_sync(d, BLK_READ, lba, 8, b, bus, 120000);
    if (!rc && b[4095] != (uint8_t)(4095 * 13 + seed))
        rc = -EPROTO;
    blk_buf_free(d, b, 4096);
    return rc;
}

TEST(probe_scan_io_msi)
{
    struct pvm *m = start(DEVIO_IRQ_MSI | DEVIO_IRQ_INTX, true);
    REQUIRE(pvscsi_test_probe(&m->dev.pci) == 0);
    CHECK(host_log_has("rings 32/128, messages, msi"));
    CHECK_EQ(m->adapter_resets, 1);
    CHECK_EQ(blk_count(), 2);
    struct blk_dev *a = disk_at(0), *b = disk_at(5);
    REQUIRE(a && b);
    CHECK_STR(a->model, "MODEL PVSCSI DISK 0.1");
    CHECK_STR(a->driver, "pvscsi");
    CHECK_EQ(a->sectors, PVM_SECTORS);
    CHECK_EQ(a->queue_depth, 32);
    CHECK_EQ(roundtrip(a, 0, 100, 1), 0);
    CHECK_EQ(roundtrip(b, 5, PVM_SECTORS - 8, 2), 0);
    CHECK_EQ(blk_rw_sync(a, BLK_FLUSH, 0, 0, NULL, 0, 1000), 0);
    CHECK(m->dev.irqs_delivered > 0);
    CHECK_EQ(devhost_dma_violations(), 0);
    stop();
}

TEST(intx_without_message_ring)
{
    struct pvm *m = start(DEVIO_IRQ_INTX, false);
    REQUIRE(pvscsi_test_probe(&m->dev.pci) == 0);
    CHECK(host_log_has("rings 32/128, intx"));
    struct blk_dev *a = disk_at(0);
    REQUIRE(a);
    CHECK_EQ(roundtrip(a, 0, 0, 3), 0);
    CHECK_EQ(m->intr_status & m->intr_mask, 0);     /* acknowledged: the line is down */
    pvm_hotplug(m, 9, true);                        /* no ring: nobody hears of it */
    step();
    CHECK_EQ(blk_count(), 2);
    stop();
}

TEST(hotplug_messages)
{
    struct pvm *m = start(DEVIO_IRQ_MSI, true);
    REQUIRE(pvscsi_test_probe(&m->dev.pci) == 0);
    pvm_hotplug(m, 9, true);
    host.thread_fn = NULL;
    step();
    CHECK(host_log_has("disk added at target 9 lun 0"));
    REQUIRE(host.thread_fn != NULL);                /* the rescan's thread */
    host.thread_fn(host.thread_arg);
    struct blk_dev *c = disk_at(9);
    REQUIRE(c);
    CHECK_EQ(blk_count(), 3);
    CHECK_EQ(roundtrip(c, 9, 8, 4), 0);
    pvm_hotplug(m, 9, false);
    step();
    CHECK(host_log_has("disk removed at target 9 lun 0"));
    CHECK_EQ(blk_count(), 2);
    CHECK(disk_at(9) == NULL);
    pvm_message(m, 7, 3);                           /* unknown type */
    pvm_message(m, PVSCSI_MSG_DEV_REMOVED, 200);    /* no such target */
    step();
    CHECK_EQ(host_log_count("ignored"), 2);
    CHECK_EQ(blk_count(), 2);
    stop();
}

TEST(silent_device_abort)
{
    struct pvm *m = start(DEVIO_IRQ_MSI, true);
    REQUIRE(pvscsi_test_probe(&m->dev.pci) == 0);
    struct blk_dev *a = disk_at(0);
    REQUIRE(a);
    m->hold = true;                                 /* READ/WRITE never answered */
    uint64_t bus;
    uint8_t *b = blk_buf_alloc(a, 512, &bus);
    uint64_t t0 = host.now_ns;
    CHECK_EQ(blk_rw_sync(a, BLK_READ, 1, 1, b, bus, 120000), -ETIMEDOUT);
    CHECK_EQ(m->aborts, 1);                         /* answered with ABORTQUEUE */
    CHECK_EQ(m->bus_resets, 0);
    CHECK(host.now_ns - t0 >= 30000000000ull);      /* not before the 30 s timeout */
    CHECK(host_log_has("timed out: abort"));
    m->hold = false;
    CHECK_EQ(roundtrip(a, 0, 16, 5), 0);            /* and the device still works */
    blk_buf_free(a, b, 512);
    stop();
}

TEST(hostile_completions)
{
    struct pvm *m = start(DEVIO_IRQ_MSI, true);
    REQUIRE(pvscsi_test_probe(&m->dev.pci) == 0);
    struct blk_dev *a = disk_at(0);
    REQUIRE(a);
    /* A completion for a context never used: ignored; the real request
     * then is never answered, and is aborted, the bus reset, given up. */
    m->bogus_context = 29;
    CHECK_EQ(roundtrip(a, 0, 0, 6), -ETIMEDOUT);
    CHECK(host_log_has("completion for unknown context 29 ignored"));
    CHECK(host_log_has("bus reset"));
    CHECK(host_log_has("never answered: command given up"));
    CHECK_EQ(m->aborts, 1);
    CHECK_EQ(m->bus_resets, 1);
    /* A completion index that jumps past the ring: skipped, logged. */
    m->cmp_jump = 1000;
    CHECK_EQ(roundtrip(a, 0, 0, 7), -ETIMEDOUT);
    CHECK(host_log_has("completion ring indices"));
    /* Still usable, with the slots that are left. */
    CHECK_EQ(roundtrip(a, 0, 40, 8), 0);
    CHECK_EQ(devhost_dma_violations(), 0);
    stop();
}

TEST(setup_refused)
{
    devhost_reset();
    host_reset();
    cur = pvm_new(4, DEVIO_IRQ_MSI);
    cur->fail_setup = true;
    CHECK_EQ(pvscsi_test_probe(&cur->dev.pci), -EIO);
    CHECK(host_log_has("setup failed"));
    CHECK_EQ(devhost_dma_live(), 0);                /* nothing left allocated */
    CHECK_EQ(cur->adapter_resets, 2);               /* reset before and after */
    pvm_free(cur);
    cur = NULL;
}
