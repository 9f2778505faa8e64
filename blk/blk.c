/* Block devices: the registry (blk0, blk1, ...), request validation, the
 * per-device queue that holds requests beyond the driver's queue depth,
 * completion with statistics, waiting for one request, and listeners.
 * The interface and its rules are in blk/blk.h.
 *
 * Concurrency: the kernel has no preemption (kernel/sched/sched.h), and
 * blk_submit/blk_complete run in thread context only, so the queue needs no
 * lock. A driver may complete a request from inside its submit op; the
 * `kicking` flag then keeps blk_kick from recursing. */
#include "blk/blk.h"
#include "kernel/errno.h"
#include "kernel/console/kprintf.h"
#include "kernel/mm/heap.h"
#include "lib/fmt.h"
#include "lib/string.h"

#define BLK_MAX 16                          /* blk0..blk15 */

static struct blk_dev *blk_devs[BLK_MAX];
static struct blk_listener *blk_listeners;

static bool blk_valid(const struct blk_dev *d)
{
    const struct blk_ops *o = d->ops;
    uint32_t ss = d->sector_size;
    return o && o->submit && o->wait && o->buf_alloc && o->buf_free && d->driver &&
           ss >= 512 && ss <= 65536 && (ss & (ss - 1)) == 0 && d->queue_depth >= 1 &&
           d->max_sectors >= 1 && d->sectors > 0;
}

int blk_register(struct blk_dev *d)
{
    if (!d || d->registered || !blk_valid(d)) {
        pr_err("blk: %s device refused (bad geometry or ops)\n", d && d->driver ? d->driver : "?");
        return -EINVAL;
    }
    unsigned i = 0;
    while (i < BLK_MAX && blk_devs[i])
        i++;
    if (i == BLK_MAX)
        return -ENOSPC;
    fmt_snprintf(d->name, sizeof d->name, "blk%u", i);
    d->model[BLK_MODEL_MAX - 1] = 0;
    d->serial[BLK_SERIAL_MAX - 1] = 0;
    d->where[sizeof d->where - 1] = 0;
    d->in_flight = 0;
    d->queue_head = d->queue_tail = NULL;
    memset(&d->stats, 0, sizeof d->stats);
    d->gone = false;
    d->kicking = false;
    d->registered = true;
    blk_devs[i] = d;
    for (struct blk_listener *l = blk_listeners; l; l = l->next)
        if (l->added)
            l->added(d);
    return 0;
}

/* Statistics, then the submitter's callback. */
static void blk_finish(struct blk_dev *d, struct blk_req *r, int status)
{
    uint64_t bytes = (uint64_t)r->count * d->sector_size;
    r->status = status;
    r->next = NULL;
    if (status) {
        d->stats.errors++;
    } else if (r->op == BLK_READ) {
        d->stats.reads++;
        d->stats.read_bytes += bytes;
    } else if (r->op == BLK_WRITE) {
        d->stats.writes++;
        d->stats.write_bytes += bytes;
    } else {
        d->stats.flushes++;
    }
    if (r->done)
        r->done(r);
}

void blk_unregister(struct blk_dev *d)
{
    if (!d || !d->registered)
        return;
    d->gone = true;
    struct blk_req *q = d->queue_head;
    d->queue_head = d->queue_tail = NULL;
    while (q) {
        struct blk_req *next = q->next;
        blk_finish(d, q, -ENODEV);
        q = next;
    }
    for (struct blk_listener *l = blk_listeners; l; l = l->next)
        if (l->removed)
            l->removed(d);
    for (unsigned i = 0; i < BLK_MAX; i++)
        if (blk_devs[i] == d)
            blk_devs[i] = NULL;
    d->registered = false;
}

/* Passes queued requests to the driver while it has free slots. */
static void blk_kick(struct blk_dev *d)
{
    if (d->kicking)
        return;
    d->kicking = true;
    while (!d->gone && d->queue_head && d->in_flight < d->queue_depth) {
        struct blk_req *r = d->queue_head;
        d->queue_head = r->next;
        if (!d->queue_head)
            d->queue_tail = NULL;
        r->next = NULL;
        d->in_flight++;
        int rc = d->ops->submit(d, r);
        if (rc) {
            d->in_flight--;
            blk_finish(d, r, rc);
        }
    }
    d->kicking = false;
}

int blk_submit(struct blk_dev *d, struct blk_req *r)
{
    if (!d || !r)
        return -EINVAL;
    if (!d->registered || d->gone)
        return -ENODEV;
    if (r->op == BLK_READ || r->op == BLK_WRITE) {
        if (!r->buf || r->count == 0 || r->count > d->max_sectors || r->lba >= d->sectors ||
            r->count > d->sectors - r->lba)
            return -EINVAL;
        if (r->op == BLK_WRITE && d->read_only)
            return -EACCES;
    } else if (r->op == BLK_FLUSH) {
        r->lba = 0;
        r->count = 0;
    } else {
        return -EINVAL;
    }
    r->status = 0;
    r->next = NULL;
    r->drv = NULL;
    if (d->queue_tail)
        d->queue_tail->next = r;
    else
        d->queue_head = r;
    d->queue_tail = r;
    blk_kick(d);
    return 0;
}

void blk_complete(struct blk_dev *d, struct blk_req *r, int status)
{
    if (d->in_flight == 0) {
        pr_err("blk: %s: completion with nothing in flight\n", d->name);
        return;
    }
    d->in_flight--;
    blk_finish(d, r, status > 0 ? -EIO : status);
    blk_kick(d);
}

/* ---- Waiting for one request ------------------------------------------- */

/* The request lives on the heap: should the driver never answer, the
 * waiter gives up and the late completion frees it. */
struct blk_sync {
    struct blk_req r;
    bool done, abandoned;
};

static void blk_sync_done(struct blk_req *r)
{
    struct blk_sync *s = r->arg;
    s->done = true;
    if (s->abandoned)
        kfree(s);
}

static bool blk_sync_cond(void *arg)
{
    return ((struct blk_sync *)arg)->done;
}

int blk_rw_sync(struct blk_dev *d, enum blk_op op, uint64_t lba, uint32_t count, void *buf,
                uint64_t buf_bus, uint64_t timeout_ms)
{
    struct blk_sync *s = kzalloc(sizeof *s);
    if (!s)
        return -ENOMEM;
    s->r = (struct blk_req){ .op = op, .lba = lba, .count = count, .buf = buf,
                             .buf_bus = buf_bus, .done = blk_sync_done, .arg = s };
    int rc = blk_submit(d, &s->r);
    if (rc) {
        kfree(s);
        return rc;
    }
    d->ops->wait(d, blk_sync_cond, s, timeout_ms);
    if (!s->done) {
        /* Still queued in blk: take it out. In the driver: leave it. */
        struct blk_req **pp = &d->queue_head, *prev = NULL;
        while (*pp && *pp != &s->r)
            prev = *pp, pp = &(*pp)->next;
        if (*pp) {
            *pp = s->r.next;
            if (d->queue_tail == &s->r)
                d->queue_tail = prev;
            kfree(s);
        } else {
            s->abandoned = true;
        }
        pr_warn("blk: %s: request at LBA %llu timed out\n", d->name, (unsigned long long)lba);
        return -ETIMEDOUT;
    }
    rc = s->r.status;
    kfree(s);
    return rc;
}

void *blk_buf_alloc(struct blk_dev *d, size_t bytes, uint64_t *bus)
{
    return d->ops->buf_alloc(d, bytes, bus);
}

void blk_buf_free(struct blk_dev *d, void *buf, size_t bytes)
{
    if (buf)
        d->ops->buf_free(d, buf, bytes);
}

/* ---- The registry ------------------------------------------------------ */

unsigned blk_count(void)
{
    unsigned n = 0;
    for (unsigned i = 0; i < BLK_MAX; i++)
        n += blk_devs[i] != NULL;
    return n;
}

struct blk_dev *blk_get(unsigned i)
{
    for (unsigned k = 0; k < BLK_MAX; k++)
        if (blk_devs[k] && i-- == 0)
            return blk_devs[k];
    return NULL;
}

struct blk_dev *blk_find(const char *name)
{
    for (unsigned k = 0; name && k < BLK_MAX; k++)
        if (blk_devs[k] && strcmp(blk_devs[k]->name, name) == 0)
            return blk_devs[k];
    return NULL;
}

void blk_listen(struct blk_listener *l)
{
    l->next = blk_listeners;
    blk_listeners = l;
    for (unsigned k = 0; k < BLK_MAX; k++)
        if (blk_devs[k] && l->added)
            l->added(blk_devs[k]);
}
