/* VMware PVSCSI: the paravirtual SCSI host adapter of VMware products,
 * also modelled by QEMU (`-device pvscsi`, hw/scsi/vmw_pvscsi.c). minnow
 * drives it as a struct scsi_host (blk/scsi.h): the SCSI layer scans its
 * targets and turns each disk into a blkN; this file only moves commands.
 *
 * The device (wire formats in vmw/pvscsi_reg.h; VMware's own header is
 * Linux drivers/scsi/vmw_pvscsi.h):
 *   - BAR 0, 32 KiB of registers. Setup is done with commands: write the
 *     command number to COMMAND, its descriptor one u32 at a time to
 *     COMMAND_DATA, read COMMAND_STATUS.
 *   - SETUP_RINGS hands over three kinds of guest pages: the rings-state
 *     page (producer/consumer indices), the request ring (128-byte
 *     descriptors, 32 a page) and the completion ring (32-byte descriptors,
 *     128 a page). SETUP_MSG_RING adds a message ring, on which the device
 *     reports disks added and removed (QEMU: `device_add scsi-hd,...` and
 *     `device_del` in the monitor).
 *   - A request: fill req[req_prod % entries] (CDB, target, LUN in lun[1],
 *     data address and length, sense buffer, direction, a context we
 *     choose), then req_prod++, then write a KICK register. The device
 *     answers with a completion carrying the same context, a host status
 *     (BusLogic BTSTAT codes: 0x11 "selection timeout" is "no such
 *     target") and the SCSI status, having written the sense on CHECK
 *     CONDITION; then it raises an interrupt (MSI with one vector in QEMU,
 *     which has no MSI-X; INTx otherwise) and INTR_STATUS says why.
 *
 * Here: one page per ring, so at most 32 commands in flight (the request
 * ring's size; the completion ring, 128 entries, can never overflow). The
 * interrupt handler acknowledges INTR_STATUS and wakes the adapter's
 * thread, which reads the completion and message rings, completes
 * commands into the SCSI layer, wakes waiters, and watches deadlines: a
 * command past its timeout is aborted (ABORT_CMD), then the bus reset
 * (RESET_BUS), then given up. Data buffers are physically contiguous, so
 * a request points at its buffer directly (no scatter-gather list).
 *
 * Try it:
 *   qemu-img create -f raw d0.img 64M
 *   qemu-system-x86_64 -M q35 -cdrom build/minnow.iso -serial stdio \
 *     -device pvscsi,id=h -drive if=none,id=d0,file=d0.img,format=raw \
 *     -device scsi-hd,drive=d0,bus=h.0,scsi-id=0 \
 *     -fw_cfg name=opt/minnow/cmdline,string="trace=pvscsi"
 * then `blk` in the shell. */
#include "vmw/pvscsi_reg.h"
#include "blk/scsi.h"
#include "blk/scsi_cmd.h"
#include "kernel/core/cmdline.h"
#include "kernel/core/trace.h"
#include "kernel/dev/devio.h"
#include "kernel/errno.h"
#include "kernel/console/kprintf.h"
#include "kernel/mm/heap.h"
#include "kernel/pci/pci.h"
#include "kernel/sched/sched.h"
#include "kernel/time/clock.h"
#include "lib/fmt.h"
#include "lib/strlist.h"
#include "lib/string.h"

TRACE_FLAG(pvscsi, "pvscsi: setup commands, every request, completion and message");
static bool pvscsi_intx;
CMDLINE_OPTION(pvscsi_intx, .key = "pvscsi_intx", .type = CMDLINE_BOOL, .dst = &pvscsi_intx,
               .help = "pvscsi: use the INTx line even when MSI is there");

#define PVSCSI_SLOTS        32          /* request ring entries: one page */
#define PVSCSI_CMP_ENTRIES  128         /* one page */
#define PVSCSI_MSG_ENTRIES  32          /* one page */
#define PVSCSI_MAX_TARGET   64          /* QEMU PVSCSI_MAX_DEVS */
#define PVSCSI_MAX_TRANSFER (256 * 1024)
#define PVSCSI_TIMEOUT_MS   30000       /* a command's default */
#define PVSCSI_GRACE_MS     3000        /* after an abort, after a reset */
#define PVSCSI_POLL_MS      1000        /* the thread looks at deadlines this often */
#define MS                  1000000ull

/* The DMA area, one allocation: a page each. */
enum { PG_STATE, PG_REQ, PG_CMP, PG_MSG, PG_SENSE, PG_COUNT };
_Static_assert(PVSCSI_SLOTS * SCSI_SENSE_MAX <= PVSCSI_PAGE, "sense buffers in a page");

struct pvscsi {
    struct devio io;
    struct devio_win regs;
    struct devio_irq irq;
    struct devio_dma mem;
    volatile struct pvscsi_rings_state *rs;
    struct pvscsi_req_desc *req;
    volatile struct pvscsi_cmp_desc *cmp;
    volatile struct pvscsi_msg_desc *msg;
    uint8_t *sense;
    uint64_t sense_bus;
    bool has_msg;
    /* Commands in flight by context - 1; a given-up command's slot stays
     * taken (PVSCSI_LOST) until the device answers for it. */
    struct scsi_cmd *slot[PVSCSI_SLOTS];
    uint64_t deadline[PVSCSI_SLOTS];
    uint8_t stage[PVSCSI_SLOTS];        /* 0; 1 abort sent; 2 bus reset sent */
    struct scsi_host host;
    struct waitq done_wq;               /* pvscsi_wait sleeps here */
    struct semaphore work;              /* interrupt -> thread */
    struct thread *thread;
    volatile bool stopping, rescan, scanning;
    char irq_name[20];
    uint64_t irqs;
};
static struct scsi_cmd pvscsi_lost;
#define PVSCSI_LOST (&pvscsi_lost)

static uint32_t rd(struct pvscsi *p, uint32_t reg) { return devio_read32(&p->regs, reg); }
static void wr(struct pvscsi *p, uint32_t reg, uint32_t v) { devio_write32(&p->regs, reg, v); }

/* PVSCSI_CMD_* by number, 0 to 8 (lib/strlist.h). */
static const char pvscsi_cmd_names[] =
    "?\0ADAPTER_RESET\0ISSUE_SCSI\0SETUP_RINGS\0RESET_BUS\0RESET_DEVICE\0ABORT_CMD\0CONFIG\0SETUP_MSG_RING";

/* A command's descriptor, one u32 at a time. */
static void pvscsi_command_data(struct pvscsi *p, const void *data, size_t len)
{
    for (size_t i = 0; i + 4 <= len; i += 4) {
        uint32_t w;
        memcpy(&w, (const uint8_t *)data + i, 4);
        wr(p, PVSCSI_REG_COMMAND_DATA, w);
    }
}

/* A setup command with its descriptor: the command status. */
static uint32_t pvscsi_command(struct pvscsi *p, uint32_t cmd, const void *data, size_t len)
{
    wr(p, PVSCSI_REG_COMMAND, cmd);
    pvscsi_command_data(p, data, len);
    uint32_t st = rd(p, PVSCSI_REG_COMMAND_STATUS);
    TRACE(pvscsi, "%s -> %s (%zu bytes): status %d\n", p->io.name, strlist_nth(pvscsi_cmd_names, cmd), len,
          (int)st);
    return st;
}

/* ---- Requests ------------------------------------------------------------ */

static bool pvscsi_is_rw(uint8_t op)
{
    return op == 0x28 || op == 0x2a || op == 0x88 || op == 0x8a;   /* READ/WRITE(10/16) */
}

static void pvscsi_trace_req(struct pvscsi *p, const struct pvscsi_req_desc *d)
{
    const char *name = scsi_op_name(d->cdb[0]);
    char cdb[3 * SCSI_CDB_MAX + 1];
    for (unsigned i = 0; i < d->cdb_len && i < SCSI_CDB_MAX; i++)
        fmt_snprintf(cdb + 3 * i, 4, " %02x", d->cdb[i]);
    cdb[3 * (d->cdb_len < SCSI_CDB_MAX ? d->cdb_len : SCSI_CDB_MAX)] = 0;
    TRACE(pvscsi, "%s -> req ctx %llu target %u lun %u %s [%s ], %s %llu bytes\n", p->io.name,
          (unsigned long long)d->context, d->target, d->lun[1], name ? name : "CDB", cdb,
          d->flags & PVSCSI_FLAG_DIR_TOHOST ? "in" : d->flags & PVSCSI_FLAG_DIR_TODEVICE ? "out" : "no data",
          (unsigned long long)d->data_len);
}

static int pvscsi_queue(struct scsi_host *h, struct scsi_cmd *c)
{
    struct pvscsi *p = h->priv;
    volatile struct pvscsi_rings_state *rs = p->rs;
    unsigned s = 0;
    if (p->stopping)
        return -ENODEV;
    while (s < PVSCSI_SLOTS && p->slot[s])
        s++;
    if (s == PVSCSI_SLOTS || rs->req_prod - rs->req_cons >= PVSCSI_SLOTS)
        return -EBUSY;
    struct pvscsi_req_desc *d = &p->req[rs->req_prod % PVSCSI_SLOTS];
    memset(d, 0, sizeof *d);
    d->context = s + 1;
    d->data_addr = c->len ? c->buf_bus : 0;
    d->data_len = c->len;
    d->sense_addr = p->sense_bus + s * SCSI_SENSE_MAX;
    d->sense_len = SCSI_SENSE_MAX;
    d->flags = c->dir == SCSI_DIR_IN ? PVSCSI_FLAG_DIR_TOHOST
             : c->dir == SCSI_DIR_OUT ? PVSCSI_FLAG_DIR_TODEVICE : PVSCSI_FLAG_DIR_NONE;
    memcpy(d->cdb, c->cdb, SCSI_CDB_MAX);
    d->cdb_len = c->cdb_len;
    d->lun[1] = (uint8_t)c->lun;        /* single-level LUN, SAM-5 4.6.6 */
    d->tag = PVSCSI_SIMPLE_QUEUE_TAG;
    d->target = (uint8_t)c->target;
    p->slot[s] = c;
    p->stage[s] = 0;
    p->deadline[s] = clock_ns() + (c->timeout_ms ? c->timeout_ms : PVSCSI_TIMEOUT_MS) * MS;
    if (trace_pvscsi)
        pvscsi_trace_req(p, d);
    /* The descriptor before the index that publishes it. */
    __atomic_thread_fence(__ATOMIC_RELEASE);
    rs->req_prod = rs->req_prod + 1;
    wr(p, pvscsi_is_rw(c->cdb[0]) ? PVSCSI_REG_KICK_RW_IO : PVSCSI_REG_KICK_NON_RW_IO, 0);
    return 0;
}

/* ---- Completions ---------------------------------------------------------- */

/* The host statuses trace lines name (names inline: no pointer table). */
static const struct { uint8_t bt; char name[11]; } pvscsi_bt_names[] = {
    { PVSCSI_BT_SUCCESS, "SUCCESS" }, { PVSCSI_BT_UNDERRUN, "UNDERRUN" }, { PVSCSI_BT_SELTIMEO, "SELTIMEO" },
    { PVSCSI_BT_DATARUN, "DATARUN" }, { PVSCSI_BT_BADMSG, "BADMSG" }, { PVSCSI_BT_BUSRESET, "BUSRESET" },
    { PVSCSI_BT_ABORTQUEUE, "ABORTQUEUE" },
};

static const char *pvscsi_bt_name(unsigned bt)
{
    for (size_t i = 0; i < sizeof pvscsi_bt_names / sizeof pvscsi_bt_names[0]; i++)
        if (pvscsi_bt_names[i].bt == bt)
            return pvscsi_bt_names[i].name;
    return "";
}

/* The device's host status as the SCSI layer's (blk/scsi.h). */
static int pvscsi_host_status(struct pvscsi *p, unsigned s, struct scsi_cmd *c,
                              const struct pvscsi_cmp_desc *e)
{
    switch (e->host_status) {
    case PVSCSI_BT_SUCCESS:
    case PVSCSI_BT_LINKED_DONE:
    case PVSCSI_BT_LINKED_FLAG:
        return 0;
    case PVSCSI_BT_UNDERRUN:
    case PVSCSI_BT_DATARUN:
        /* NOTE: QEMU reports DATARUN for any residual (an INQUIRY with a
         * large buffer) and leaves dataLen 0, so the residual is unknown:
         * the layer's parsers go by the length fields in the data. A
         * short READ or WRITE is an error. */
        if (pvscsi_is_rw(c->cdb[0]))
            return -EIO;
        if (e->data_len && e->data_len < c->len)
            c->resid = c->len - (uint32_t)e->data_len;
        return 0;
    case PVSCSI_BT_SELTIMEO:
        return -ENODEV;
    case PVSCSI_BT_ABORTQUEUE:
    case PVSCSI_BT_BUSRESET:
    case PVSCSI_BT_SENTRST:
    case PVSCSI_BT_RECVRST:
        return p->stage[s] ? -ETIMEDOUT : -EAGAIN;     /* ours, or someone's reset */
    case PVSCSI_BT_HATIMEOUT:
        return -ETIMEDOUT;
    default:
        return -EIO;
    }
}

static void pvscsi_complete(struct pvscsi *p, const struct pvscsi_cmp_desc *e)
{
    uint64_t ctx = e->context;
    TRACE(pvscsi, "%s <- cmp ctx %llu host 0x%02x %s scsi 0x%02x sense %u\n", p->io.name,
          (unsigned long long)ctx, e->host_status, pvscsi_bt_name(e->host_status), e->scsi_status,
          e->sense_len);
    if (ctx == 0 || ctx > PVSCSI_SLOTS || !p->slot[ctx - 1]) {
        pr_warn("pvscsi: %s: completion for unknown context %llu ignored\n", p->io.name,
                (unsigned long long)ctx);
        return;
    }
    unsigned s = (unsigned)ctx - 1;
    struct scsi_cmd *c = p->slot[s];
    p->slot[s] = NULL;
    if (c == PVSCSI_LOST)
        return;                         /* given up earlier; the slot is free again */
    c->resid = 0;
    c->status = (uint8_t)e->scsi_status;
    c->host_status = pvscsi_host_status(p, s, c, e);
    c->sense_len = 0;
    if (c->status == SCSI_STATUS_CHECK_CONDITION) {
        uint32_t n = e->sense_len < SCSI_SENSE_MAX ? e->sense_len : SCSI_SENSE_MAX;
        memcpy(c->sense, p->sense + s * SCSI_SENSE_MAX, n);
        c->sense_len = (uint8_t)n;
    }
    scsi_cmd_done(&p->host, c);
}

static void pvscsi_poll_cmp(struct pvscsi *p)
{
    volatile struct pvscsi_rings_state *rs = p->rs;
    uint32_t prod = rs->cmp_prod, cons = rs->cmp_cons;
    if (prod - cons > PVSCSI_CMP_ENTRIES) {
        pr_err("pvscsi: %s: completion ring indices %u/%u make no sense; skipped\n", p->io.name,
               prod, cons);
        rs->cmp_cons = prod;
        return;
    }
    __atomic_thread_fence(__ATOMIC_ACQUIRE);    /* entries after the index */
    for (; cons != prod; cons++) {
        struct pvscsi_cmp_desc e;
        memcpy(&e, (const void *)&p->cmp[cons % PVSCSI_CMP_ENTRIES], sizeof e);
        rs->cmp_cons = cons + 1;
        pvscsi_complete(p, &e);
    }
}

/* ---- Messages: disks added and removed ------------------------------------ */

static void pvscsi_scan_thread(void *arg)
{
    struct pvscsi *p = arg;
    for (int i = 0; i < 8 && p->rescan && !p->stopping; i++) {
        p->rescan = false;
        scsi_host_rescan(&p->host);
    }
    p->scanning = false;
}

static void pvscsi_poll_msg(struct pvscsi *p)
{
    volatile struct pvscsi_rings_state *rs = p->rs;
    uint32_t prod = rs->msg_prod, cons = rs->msg_cons;
    if (prod - cons > PVSCSI_MSG_ENTRIES)
        cons = prod - PVSCSI_MSG_ENTRIES;
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    for (; cons != prod; cons++) {
        struct pvscsi_msg_desc m;
        memcpy(&m, (const void *)&p->msg[cons % PVSCSI_MSG_ENTRIES], sizeof m);
        rs->msg_cons = cons + 1;
        TRACE(pvscsi, "%s <- msg %s bus %u target %u lun %u\n", p->io.name,
              m.type == PVSCSI_MSG_DEV_ADDED ? "DEV_ADDED" : m.type == PVSCSI_MSG_DEV_REMOVED ? "DEV_REMOVED" : "?",
              m.bus, m.target, m.lun[1]);
        if (m.bus != 0 || m.target >= PVSCSI_MAX_TARGET || m.type > PVSCSI_MSG_DEV_REMOVED) {
            pr_warn("pvscsi: %s: message type %u for %u:%u ignored\n", p->io.name, m.type, m.bus,
                    m.target);
        } else if (m.type == PVSCSI_MSG_DEV_ADDED) {
            pr_info("pvscsi: %s: disk added at target %u lun %u\n", p->io.name, m.target, m.lun[1]);
            p->rescan = true;
        } else {
            pr_info("pvscsi: %s: disk removed at target %u lun %u\n", p->io.name, m.target, m.lun[1]);
            scsi_lun_removed(&p->host, (uint16_t)m.target, m.lun[1]);
        }
    }
    /* The scan waits for completions, which this thread delivers: it runs
     * in a thread of its own. */
    if (p->rescan && !p->scanning) {
        p->scanning = true;
        struct thread *t = thread_create("pvscsi-scan", pvscsi_scan_thread, p, 0);
        if (t)
            thread_detach(t);
        else
            p->scanning = false;
    }
}

/* ---- Timeouts --------------------------------------------------------------- */

static void pvscsi_check_timeouts(struct pvscsi *p)
{
    uint64_t now = clock_ns();
    for (unsigned s = 0; s < PVSCSI_SLOTS; s++) {
        struct scsi_cmd *c = p->slot[s];
        if (!c || c == PVSCSI_LOST || now < p->deadline[s])
            continue;
        p->deadline[s] = now + PVSCSI_GRACE_MS * MS;
        if (p->stage[s] == 0) {
            struct pvscsi_cmd_abort a = { .context = s + 1, .target = c->target };
            pr_warn("pvscsi: %s: command 0x%02x to target %u timed out: abort\n", p->io.name,
                    c->cdb[0], c->target);
            p->stage[s] = 1;
            pvscsi_command(p, PVSCSI_CMD_ABORT_CMD, &a, sizeof a);
        } else if (p->stage[s] == 1) {
            pr_warn("pvscsi: %s: abort did not complete: bus reset\n", p->io.name);
            p->stage[s] = 2;
            pvscsi_command(p, PVSCSI_CMD_RESET_BUS, NULL, 0);
        } else {
            pr_err("pvscsi: %s: target %u never answered: command given up\n", p->io.name,
                   c->target);
            p->slot[s] = PVSCSI_LOST;
            c->host_status = -ETIMEDOUT;
            scsi_cmd_done(&p->host, c);
        }
    }
}

/* ---- Interrupt and thread -------------------------------------------------- */

/* Interrupt context: acknowledge, wake the thread. With INTx the line may
 * be shared: a zero INTR_STATUS is somebody else's interrupt. */
static void pvscsi_irq(void *arg)
{
    struct pvscsi *p = arg;
    uint32_t st = rd(p, PVSCSI_REG_INTR_STATUS);
    if (!st || st == 0xffffffffu)
        return;
    wr(p, PVSCSI_REG_INTR_STATUS, st);
    p->irqs++;
    sem_up(&p->work);
}

/* The thread's work for one wakeup. Both rings every time: cheap, and
 * robust to a lost interrupt. */
static void pvscsi_service(struct pvscsi *p)
{
    pvscsi_poll_cmp(p);
    if (p->has_msg)
        pvscsi_poll_msg(p);
    pvscsi_check_timeouts(p);
    waitq_wake_all(&p->done_wq);
}

static void pvscsi_thread(void *arg)
{
    struct pvscsi *p = arg;
    while (!p->stopping) {
        sem_down_timeout(&p->work, PVSCSI_POLL_MS * MS);
        if (!p->stopping)
            pvscsi_service(p);
    }
}

/* ---- The scsi_host seam ----------------------------------------------------- */

static int pvscsi_wait(struct scsi_host *h, bool (*cond)(void *), void *arg, uint64_t timeout_ms)
{
    struct pvscsi *p = h->priv;
    uint64_t deadline = sched_deadline_after(timeout_ms * MS);
    /* No preemption, and the waker is a thread: nothing to lose between
     * the check and the wait. */
    while (!cond(arg))
        if (waitq_wait_until(&p->done_wq, deadline) == -ETIMEDOUT)
            return cond(arg) ? 0 : -ETIMEDOUT;
    return 0;
}

static void *pvscsi_buf_alloc(struct scsi_host *h, size_t bytes, uint64_t *bus)
{
    struct pvscsi *p = h->priv;
    struct devio_dma m;
    if (devio_dma_alloc(&p->io, bytes, 0, &m))
        return NULL;
    *bus = m.bus;
    return m.virt;
}

static void pvscsi_buf_free(struct scsi_host *h, void *buf, size_t bytes)
{
    struct pvscsi *p = h->priv;
    struct devio_dma m = { .virt = buf, .size = bytes };
    devio_dma_free(&p->io, &m);
}

static const struct scsi_host_ops pvscsi_ops = {
    .queue = pvscsi_queue,
    .wait = pvscsi_wait,
    .buf_alloc = pvscsi_buf_alloc,
    .buf_free = pvscsi_buf_free,
};

/* ---- Probe ----------------------------------------------------------------- */

/* Reset, then hand over the rings: 0 or -errno. */
static int pvscsi_setup_rings(struct pvscsi *p)
{
    pvscsi_command(p, PVSCSI_CMD_ADAPTER_RESET, NULL, 0);
    wr(p, PVSCSI_REG_INTR_MASK, 0);
    if (devio_dma_alloc(&p->io, PG_COUNT * PVSCSI_PAGE, 0, &p->mem))
        return -ENOMEM;
    uint8_t *v = p->mem.virt;
    uint64_t ppn = p->mem.bus / PVSCSI_PAGE;
    p->rs = (void *)(v + PG_STATE * PVSCSI_PAGE);
    p->req = (void *)(v + PG_REQ * PVSCSI_PAGE);
    p->cmp = (void *)(v + PG_CMP * PVSCSI_PAGE);
    p->msg = (void *)(v + PG_MSG * PVSCSI_PAGE);
    p->sense = v + PG_SENSE * PVSCSI_PAGE;
    p->sense_bus = p->mem.bus + PG_SENSE * PVSCSI_PAGE;
    struct pvscsi_cmd_setup_rings sr = {
        .req_pages = 1, .cmp_pages = 1, .state_ppn = ppn + PG_STATE,
        .req_ppn = { ppn + PG_REQ }, .cmp_ppn = { ppn + PG_CMP },
    };
    if (pvscsi_command(p, PVSCSI_CMD_SETUP_RINGS, &sr, sizeof sr) != 0)
        return -EIO;
    /* The device writes the ring sizes it derived: they must be ours. */
    if (p->rs->req_log2 != 5 || p->rs->cmp_log2 != 7) {
        pr_err("pvscsi: %s: device took rings of 2^%u/2^%u entries, not 32/128\n", p->io.name,
               p->rs->req_log2, p->rs->cmp_log2);
        return -EIO;
    }
    /* The message ring, if the device has one: the command alone first;
     * "failed" (-1) means no (Linux drivers/scsi/vmw_pvscsi.c does the same). */
    wr(p, PVSCSI_REG_COMMAND, PVSCSI_CMD_SETUP_MSG_RING);
    if (rd(p, PVSCSI_REG_COMMAND_STATUS) != PVSCSI_STATUS_FAILED) {
        struct pvscsi_cmd_setup_msg_ring mr = { .pages = 1, .ppn = { ppn + PG_MSG } };
        pvscsi_command_data(p, &mr, sizeof mr);
        p->has_msg = rd(p, PVSCSI_REG_COMMAND_STATUS) != PVSCSI_STATUS_FAILED &&
                     p->rs->msg_log2 == 5;
        TRACE(pvscsi, "%s -> SETUP_MSG_RING: %s\n", p->io.name, p->has_msg ? "ok" : "refused");
    }
    return 0;
}

static int pvscsi_probe(struct pci_dev *pd, const struct pci_id *id)
{
    (void)id;
    struct pvscsi *p = kzalloc(sizeof *p);
    if (!p)
        return -ENOMEM;
    int r = devio_pci_open(&p->io, pd);
    if (!r)
        r = devio_map(&p->io, 0, &p->regs);
    if (!r && (p->regs.pio || p->regs.size < PVSCSI_BAR_SIZE))
        r = -ENODEV;
    if (!r)
        r = pvscsi_setup_rings(p);
    if (r) {
        pr_err("pvscsi: %s: setup failed (%d)\n", p->io.name, r);
        wr(p, PVSCSI_REG_COMMAND, PVSCSI_CMD_ADAPTER_RESET);
        devio_dma_free(&p->io, &p->mem);
        kfree(p);
        return r;
    }
    pd->priv = p;
    waitq_init(&p->done_wq);
    sem_init(&p->work, 0);
    /* From here on an interrupt or the thread may refer to p: on failure
     * the device is reset and p kept. */
    fmt_snprintf(p->irq_name, sizeof p->irq_name, "pvscsi %s", p->io.name);
    r = devio_irq_setup(&p->io, (pvscsi_intx ? 0 : DEVIO_IRQ_MSI) | DEVIO_IRQ_INTX, pvscsi_irq, p, p->irq_name, &p->irq);
    if (!r) {
        p->thread = thread_create("pvscsi", pvscsi_thread, p, 0);
        r = p->thread ? 0 : -ENOMEM;
    }
    if (r) {
        pr_err("pvscsi: %s: no interrupt or thread (%d)\n", p->io.name, r);
        wr(p, PVSCSI_REG_COMMAND, PVSCSI_CMD_ADAPTER_RESET);
        return r;
    }
    wr(p, PVSCSI_REG_INTR_MASK, PVSCSI_INTR_CMPL_MASK | (p->has_msg ? PVSCSI_INTR_MSG_MASK : 0));
    kprintf("pvscsi: %s rings %u/%u%s, %s\n", p->io.name, PVSCSI_SLOTS, PVSCSI_CMP_ENTRIES,
            p->has_msg ? ", messages" : "", devio_irq_mode_name(p->irq.mode));
    p->host = (struct scsi_host){
        .driver = "pvscsi", .max_target = PVSCSI_MAX_TARGET, .max_lun = 8,
        .self_target = 0xffff, .max_transfer = PVSCSI_MAX_TRANSFER, .can_queue = PVSCSI_SLOTS,
        .ops = &pvscsi_ops, .priv = p,
    };
    r = scsi_host_add(&p->host);
    if (r)
        pr_err("pvscsi: %s: scan failed (%d)\n", p->io.name, r);
    return 0;
}

/* The adapter is hot-unplugged: its disks go, the device is reset (no
 * more DMA), the interrupt and the thread stop. Commands still in flight
 * complete with -ENODEV. */
static void pvscsi_remove(struct pci_dev *pd)
{
    struct pvscsi *p = pd->priv;
    if (!p)
        return;
    scsi_host_remove(&p->host);
    p->stopping = true;
    wr(p, PVSCSI_REG_INTR_MASK, 0);
    wr(p, PVSCSI_REG_COMMAND, PVSCSI_CMD_ADAPTER_RESET);
    devio_irq_teardown(&p->io, &p->irq);
    sem_up(&p->work);
    if (p->thread)
        thread_join(p->thread);
    for (unsigned s = 0; s < PVSCSI_SLOTS; s++) {
        struct scsi_cmd *c = p->slot[s];
        p->slot[s] = NULL;
        if (c && c != PVSCSI_LOST) {
            c->host_status = -ENODEV;
            scsi_cmd_done(&p->host, c);
        }
    }
    waitq_wake_all(&p->done_wq);
    kprintf("pvscsi: %s removed\n", p->io.name);
    /* NOTE: p is kept: blk devices of its disks may still be held. */
    pd->priv = NULL;
}

static const struct pci_id pvscsi_ids[] = {
    PCI_ID(PVSCSI_VENDOR, PVSCSI_DEVICE),
    { 0 },
};
PCI_DRIVER(pvscsi, .name = "pvscsi", .ids = pvscsi_ids, .probe = pvscsi_probe,
           .remove = pvscsi_remove);

#ifdef HOSTED
/* Test hooks for tests/devsim/test_pvscsi_hosted.c, where no thread runs:
 * the test calls the service step itself. */
int pvscsi_test_probe(struct pci_dev *pd) { return pvscsi_probe(pd, NULL); }
void pvscsi_test_service(struct pci_dev *pd) { if (pd->priv) pvscsi_service(pd->priv); }
void pvscsi_test_remove(struct pci_dev *pd) { pvscsi_remove(pd); }
#endif
