/* Block devices: what a disk driver offers to file systems and apps.
 *
 * A driver (virtio-blk directly; storvsc and pvscsi through the SCSI layer,
 * blk/scsi.h) fills a struct blk_dev -- model, capacity, sector size, the
 * largest transfer, how many requests it takes at once -- and calls
 * blk_register(), which names it with the lowest free blkN. Users find it
 * with blk_get()/blk_find() and submit asynchronous requests:
 *
 *     struct blk_req r = { .op = BLK_READ, .lba = 8, .count = 1,
 *                          .buf = buf, .buf_bus = bus, .done = fn, .arg = me };
 *     blk_submit(dev, &r);           // 0: queued; fn(&r) runs once, r.status 0 or -errno
 *
 * or wait for one with blk_rw_sync(). Buffers are physically contiguous
 * and addressable by the device: get them from blk_buf_alloc() (DMA memory
 * in the kernel, the model's memory in a hosted test); the driver splits
 * them into pages (GPA ranges, PRPs, descriptors) itself.
 *
 * Requests beyond the device's queue depth wait in blk's queue and are
 * passed to the driver as earlier ones complete, in order. A request that
 * is longer than max_sectors is refused with -EINVAL (split it yourself).
 * Errors are negative errno values (kernel/errno.h): -EIO for a medium or
 * device error (the driver logs the detail, e.g. SCSI sense), -ENODEV once
 * the device is gone, -ETIMEDOUT when the device did not answer in time,
 * -EINVAL for a request outside the device.
 *
 * Threading: `done` runs in the driver's thread (never in an interrupt
 * handler) and must not block. blk_rw_sync() waits through the driver's
 * `wait` operation, so the same code runs in the kernel (a wait queue) and
 * in a hosted test (which steps the device model or the simulator while
 * it waits). blk/blk.c itself needs only lib/, the kernel's log and heap
 * (the host tests stand in for both: tests/unit/blk_stubs.h). */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BLK_NAME_MAX   8
#define BLK_MODEL_MAX  41           /* SCSI: vendor (8) + product (16) + revision (4) + spaces; NUL */
#define BLK_SERIAL_MAX 33

enum blk_op {
    BLK_READ = 1,
    BLK_WRITE,
    BLK_FLUSH,                      /* lba, count, buf ignored: write back the device's cache */
};

struct blk_dev;
struct blk_req;
typedef void (*blk_done_fn)(struct blk_req *r);

struct blk_req {
    enum blk_op op;
    uint64_t lba;                   /* in units of the device's sector_size */
    uint32_t count;                 /* sectors; 1..max_sectors (0 for BLK_FLUSH) */
    void *buf;                      /* count * sector_size bytes, from blk_buf_alloc() */
    uint64_t buf_bus;               /* its bus address */
    blk_done_fn done;
    void *arg;                      /* the submitter's */
    /* Set by blk/ and the driver. */
    int status;                     /* 0 or -errno, valid in done() */
    struct blk_req *next;           /* blk's queue; then the driver's, while in flight */
    void *drv;                      /* the driver's, while in flight */
};

struct blk_ops {
    /* Starts r on the device: 0, or -errno (then r is not started and blk
     * completes it with that status). Called only with fewer than
     * queue_depth requests in flight, from thread context. */
    int (*submit)(struct blk_dev *d, struct blk_req *r);
    /* Waits until cond(arg) or timeout_ms passes: 0 or -ETIMEDOUT. In the
     * kernel a timed wait on a queue the completion path wakes; hosted, it
     * steps the model while it waits. */
    int (*wait)(struct blk_dev *d, bool (*cond)(void *arg), void *arg, uint64_t timeout_ms);
    /* Device-addressable buffer memory (zeroed, page-aligned); NULL. */
    void *(*buf_alloc)(struct blk_dev *d, size_t bytes, uint64_t *bus);
    void (*buf_free)(struct blk_dev *d, void *buf, size_t bytes);
};

struct blk_stats {
    uint64_t reads, writes, flushes;        /* requests completed successfully */
    uint64_t read_bytes, write_bytes;
    uint64_t errors;                        /* requests completed with an error */
};

struct blk_dev {
    /* Filled by the driver before blk_register(). */
    char model[BLK_MODEL_MAX];      /* "Msft Virtual Disk 1.0", "QEMU QEMU HARDDISK 2.5+" */
    char serial[BLK_SERIAL_MAX];    /* VPD 0x80 or the device's id; may be empty */
    const char *driver;             /* "storvsc", "pvscsi", "virtio-blk" */
    char where[24];                 /* "scsi0:0:1:0", "00:04.0": how the driver reached it */
    uint64_t sectors;               /* capacity */
    uint32_t sector_size;           /* 512 or 4096 (a power of two, 512..65536) */
    uint32_t max_sectors;           /* largest request */
    unsigned queue_depth;           /* requests the driver takes at once, >= 1 */
    bool read_only;
    bool has_cache;                 /* BLK_FLUSH means something */
    const struct blk_ops *ops;
    void *priv;                     /* the driver's */
    /* Set by blk/. */
    char name[BLK_NAME_MAX];        /* "blk0" */
    unsigned in_flight;
    struct blk_req *queue_head, *queue_tail;    /* waiting for a slot */
    struct blk_stats stats;
    bool gone;
    bool registered;
    bool kicking;                   /* blk is passing queued requests to the driver */
};

/* Validates and names d (the lowest free blkN); 0, -EINVAL (a field out of
 * range: sector size, queue depth, no ops) or -ENOSPC (no free slot). */
int blk_register(struct blk_dev *d);
/* The device went away (hot-remove, rescind): queued requests complete
 * with -ENODEV at once; the driver completes those in flight (with
 * -ENODEV if it must). The name is free again afterwards. */
void blk_unregister(struct blk_dev *d);

/* Queues r: 0, or -errno (r not queued: out of range, device gone, bad
 * arguments), in which case done() is not called. */
int blk_submit(struct blk_dev *d, struct blk_req *r);
/* The driver reports r finished with status (0 or -errno); blk updates the
 * statistics, calls r->done and feeds the next queued request. */
void blk_complete(struct blk_dev *d, struct blk_req *r, int status);

/* One request, waited for: 0 or -errno. buf is from blk_buf_alloc(). */
int blk_rw_sync(struct blk_dev *d, enum blk_op op, uint64_t lba, uint32_t count, void *buf,
                uint64_t buf_bus, uint64_t timeout_ms);

void *blk_buf_alloc(struct blk_dev *d, size_t bytes, uint64_t *bus);
void blk_buf_free(struct blk_dev *d, void *buf, size_t bytes);

/* Registered devices: blk_get(i) for i < blk_count(), in name order;
 * blk_find("blk1"). NULL when there is none. */
unsigned blk_count(void);
struct blk_dev *blk_get(unsigned i);
struct blk_dev *blk_find(const char *name);

/* Listeners told of every device that comes (after it is named) and goes
 * (before its name is freed): the ustar mount, the shell. */
struct blk_listener {
    void (*added)(struct blk_dev *d);
    void (*removed)(struct blk_dev *d);
    struct blk_listener *next;
};
/* Devices already registered are announced to l at once. */
void blk_listen(struct blk_listener *l);
