/* virtio-blk: the virtio block device (virtio 1.2 5.2), on either
 * transport, as a struct blk_dev (blk/blk.h).
 *
 * One request queue (requestq1, 0). A request is a chain of three buffers
 * (5.2.6): a 16-byte header the device reads (type, sector), the data
 * (device-readable for a write, device-writable for a read; blk's buffers
 * are physically contiguous, so one descriptor), and one status byte the
 * device writes last; a flush has no data. With INDIRECT_DESC the chain
 * takes one ring descriptor. Several requests are in flight at once (one
 * per slot of header + status, VBLK_DEPTH); the interrupt wakes the thread
 * "vblk-...", which takes used entries, reads each status byte and
 * completes the request (blk_complete), waking blk_rw_sync's waiters.
 *
 * Features: FLUSH (the device has a write cache: BLK_FLUSH is sent as
 * VIRTIO_BLK_T_FLUSH), RO, SIZE_MAX (the largest data segment). Sectors
 * are always 512 bytes on the wire (5.2.4: capacity and sector are in
 * 512-byte units whatever blk_size says).
 *
 * Try it: qemu-system-x86_64 -M q35 -drive file=disk.raw,format=raw,if=none,id=d0
 *   -device virtio-blk-pci,drive=d0 -kernel build/minnow-test.elf -append "selftest=disk" */
#include "blk/blk.h"
#include "virtio/virtio.h"
#include "kernel/console/kprintf.h"
#include "kernel/errno.h"
#include "kernel/mm/heap.h"
#include "kernel/sched/sched.h"
#include "kernel/time/clock.h"
#include "lib/fmt.h"
#include "lib/string.h"

#define VBLK_QSIZE   128
#define VBLK_DEPTH   32             /* requests in flight */
#define VBLK_MAX_SECTORS 256        /* 128 KiB per request unless SIZE_MAX says less */

struct vblk_slot {                  /* in DMA memory: what the device reads and writes */
    struct virtio_blk_req_hdr hdr;
    uint8_t status;
    uint8_t pad[15];
};
_Static_assert(sizeof(struct vblk_slot) == 32, "vblk_slot");

struct vblk {
    struct blk_dev bd;
    struct virtio_dev *vd;
    struct virtq *q;
    struct devio_dma slots_mem;
    struct vblk_slot *slots;
    struct blk_req *inflight[VBLK_DEPTH];   /* by slot */
    struct semaphore work;
    struct waitq done_wq;           /* blk_rw_sync waiters */
    struct thread *thread;
    bool stopping;
};

/* ---- Requests ------------------------------------------------------------ */

static int vblk_submit(struct blk_dev *bd, struct blk_req *r)
{
    struct vblk *b = bd->priv;
    unsigned i = 0;
    while (i < VBLK_DEPTH && b->inflight[i])
        i++;
    if (i == VBLK_DEPTH || b->stopping)
        return b->stopping ? -ENODEV : -EBUSY;
    struct vblk_slot *s = &b->slots[i];
    uint64_t sbus = b->slots_mem.bus + (uint64_t)i * sizeof *s;
    s->hdr = (struct virtio_blk_req_hdr){
        .type = r->op == BLK_READ ? VIRTIO_BLK_T_IN : r->op == BLK_WRITE ? VIRTIO_BLK_T_OUT
                                                                         : VIRTIO_BLK_T_FLUSH,
        .sector = r->op == BLK_FLUSH ? 0 : r->lba };
    s->status = 0xFF;               /* the device must overwrite it */
    struct virtq_sg sg[3] = { { sbus, sizeof s->hdr } };
    unsigned n = 1;
    if (r->op != BLK_FLUSH)
        sg[n++] = (struct virtq_sg){ r->buf_bus, r->count * VIRTIO_BLK_SECTOR };
    sg[n++] = (struct virtq_sg){ sbus + offsetof(struct vblk_slot, status), 1 };
    /* Readable: the header, and the data of a write; writable: the rest. */
    unsigned nout = r->op == BLK_WRITE ? 2 : 1;
    int e = virtq_add(b->q, sg, nout, n - nout, &b->inflight[i]);
    if (e < 0)
        return e == -ENOSPC ? -EBUSY : e;
    b->inflight[i] = r;
    virtio_kick(b->vd, b->q);
    return 0;
}

/* Used entries: each status byte, then the request completes. */
static void vblk_service(struct vblk *b)
{
    for (unsigned k = 0; k < VBLK_QSIZE; k++) {
        void *c;
        uint32_t len;
        int e = virtq_get(b->q, &c, &len);
        if (e == 0)
            break;
        if (e < 0)
            virtio_log_bad(b->vd, b->q, e);
        if (!c)
            continue;
        struct blk_req **slot = c;
        unsigned i = (unsigned)(slot - b->inflight);
        struct blk_req *r = *slot;
        *slot = NULL;
        uint8_t st = b->slots[i].status;
        int status = e < 0 ? -EIO : st == VIRTIO_BLK_S_OK ? 0 : -EIO;
        if (status)
            pr_err("virtio-blk: %s: request at sector %llu: status %u\n", b->bd.name,
                   (unsigned long long)r->lba, st);
        blk_complete(&b->bd, r, status);
    }
    waitq_wake_all(&b->done_wq);
}

static void vblk_irq(struct virtio_dev *vd, unsigned causes)
{
    (void)causes;
    struct vblk *b = vd->priv;
    sem_up(&b->work);
}

static void vblk_thread(void *arg)
{
    struct vblk *b = arg;
    for (;;) {
        sem_down(&b->work);
        if (b->stopping)
            return;
        do
            vblk_service(b);
        while (virtq_enable_cb(b->q));
    }
}

static int vblk_wait(struct blk_dev *bd, bool (*cond)(void *), void *arg, uint64_t timeout_ms)
{
    struct vblk *b = bd->priv;
    uint64_t deadline = sched_deadline_after(timeout_ms * 1000000ull);
    while (!cond(arg))
        if (waitq_wait_until(&b->done_wq, deadline) == -ETIMEDOUT)
            return cond(arg) ? 0 : -ETIMEDOUT;
    return 0;
}

static void *vblk_buf_alloc(struct blk_dev *bd, size_t bytes, uint64_t *bus)
{
    struct vblk *b = bd->priv;
    struct devio_dma m;
    if (devio_dma_alloc(b->vd->io, bytes, 0, &m) < 0)
        return NULL;
    *bus = m.bus;
    return m.virt;
}

static void vblk_buf_free(struct blk_dev *bd, void *buf, size_t bytes)
{
    struct vblk *b = bd->priv;
    struct devio_dma m = { .virt = buf, .size = bytes };
    devio_dma_free(b->vd->io, &m);
}

static const struct blk_ops vblk_ops = {
    .submit = vblk_submit, .wait = vblk_wait, .buf_alloc = vblk_buf_alloc, .buf_free = vblk_buf_free,
};

/* ---- Probe ---------------------------------------------------------------- */

static int vblk_probe(struct virtio_dev *vd)
{
    struct vblk *b = kzalloc(sizeof *b);
    if (!b)
        return -ENOMEM;
    b->vd = vd;
    vd->priv = b;
    sem_init(&b->work, 0);
    waitq_init(&b->done_wq);
    int r = virtio_negotiate(vd, VIRTIO_BIT(VIRTIO_BLK_F_FLUSH) | VIRTIO_BIT(VIRTIO_BLK_F_RO) |
                                     VIRTIO_BIT(VIRTIO_BLK_F_SIZE_MAX));
    if (r == 0)
        r = virtio_queue_setup(vd, 0, VBLK_QSIZE, &b->q);
    if (r == 0)
        r = devio_dma_alloc(vd->io, VBLK_DEPTH * sizeof *b->slots, 0, &b->slots_mem);
    if (r < 0)
        goto fail;
    b->slots = b->slots_mem.virt;
    uint64_t cap = 0;
    virtio_cfg_read(vd, VIRTIO_BLK_CFG_CAPACITY, &cap, sizeof cap);
    uint32_t max = VBLK_MAX_SECTORS;
    if (virtio_has(vd, VIRTIO_BLK_F_SIZE_MAX)) {
        uint32_t sm = 0;
        virtio_cfg_read(vd, VIRTIO_BLK_CFG_SIZE_MAX, &sm, sizeof sm);
        if (sm >= VIRTIO_BLK_SECTOR && sm / VIRTIO_BLK_SECTOR < max)
            max = sm / VIRTIO_BLK_SECTOR;
    }
    struct blk_dev *bd = &b->bd;
    fmt_snprintf(bd->model, sizeof bd->model, "virtio-blk");
    bd->driver = "virtio-blk";
    memcpy(bd->where, vd->where, sizeof bd->where);
    bd->sectors = cap;
    bd->sector_size = VIRTIO_BLK_SECTOR;
    bd->max_sectors = max;
    bd->queue_depth = VBLK_DEPTH < b->q->size / 3 ? VBLK_DEPTH : b->q->size / 3;
    bd->read_only = virtio_has(vd, VIRTIO_BLK_F_RO);
    bd->has_cache = virtio_has(vd, VIRTIO_BLK_F_FLUSH);
    bd->ops = &vblk_ops;
    bd->priv = b;
    vd->on_irq = vblk_irq;
    if ((r = virtio_ready(vd)) < 0)
        goto fail;
    if (!(b->thread = thread_create("vblk", vblk_thread, b, 0))) {
        r = -ENOMEM;
        goto fail;
    }
    if ((r = blk_register(bd)) < 0) {
        b->stopping = true;
        sem_up(&b->work);
        thread_join(b->thread);
        goto fail;
    }
    kprintf("virtio-blk: %s %llu sectors%s%s, %s, %s\n", vd->where, (unsigned long long)cap,
            bd->read_only ? " ro" : "", bd->has_cache ? " flush" : "", vd->irq_mode, bd->name);
    return 0;
fail:
    virtio_teardown(vd);
    devio_dma_free(vd->io, &b->slots_mem);
    vd->priv = NULL;
    kfree(b);
    return r;
}

VIRTIO_DRIVER(virtio_blk, .name = "virtio-blk", .id = VIRTIO_ID_BLOCK, .probe = vblk_probe);
