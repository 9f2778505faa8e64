/* VMBus: the guest side of Hyper-V's device bus.
 *
 * What it is: every synthetic device of a Hyper-V VM (disk controller,
 * NIC, the integration services) is a *channel* the host offers over
 * VMBus. Control messages travel through the SynIC (hyperv.c): the guest
 * posts them with HvPostMessage, the host answers into SINT 2's message
 * slot. Data travels through a pair of ring buffers in guest memory that
 * the guest describes to the host as a GPADL (a list of page numbers).
 *
 * The life of a channel (docs/hyperv.md walks through a real trace):
 *   INITIATE_CONTACT(version) -> VERSION_RESPONSE   newest version first,
 *                                                   down until one is accepted
 *   REQUESTOFFERS -> OFFERCHANNEL... ALLOFFERS_DELIVERED
 *   GPADL_HEADER + GPADL_BODY... -> GPADL_CREATED   the rings' pages
 *   OPENCHANNEL -> OPENCHANNEL_RESULT               rings in use
 *   packets in the rings, HvSignalEvent / SIEF bit  (ring.c)
 *   CLOSECHANNEL, GPADL_TEARDOWN -> GPADL_TORNDOWN
 *   RESCIND_CHANNELOFFER (host) -> RELID_RELEASED
 *   UNLOAD -> UNLOAD_RESPONSE                       before poweroff/reboot
 *
 * Spec: there is no public VMBus specification; the wire facts come from
 * Linux drivers/hv/{connection.c,channel.c,channel_mgmt.c}, FreeBSD
 * sys/dev/hyperv/vmbus/ and Microsoft's own host in openvmm
 * (vm/devices/vmbus/vmbus_core/src/protocol.rs,
 * vm/devices/vmbus/vmbus_server/src/channels.rs).
 *
 * Versions: 5.3 (Windows Server 2022) down to 2.4 (Windows 8 / Server
 * 2012), like current Linux. Older hosts (2008 R2 and before) need the
 * shared interrupt page for events, which minnow does not implement.
 *
 * Trust: every message from the host is checked for size and for the
 * state it may arrive in; a bad one is logged, counted and dropped, and
 * the bus keeps running. `trace=vmbus` prints every message both ways.
 *
 * Threading: see hv_platform.h. Messages and events are handled by
 * vmbus_poll() on the worker; code that waits for an answer uses
 * hvp_wait_until(); work that must wait but is triggered by a message
 * (probing a hot-added offer, tearing down a rescinded channel) is handed
 * to hvp_defer(). */
#include "hv/vmbus.h"
#include "hv/hv_platform.h"
#include "hv/hyperv.h"
#include "kernel/errno.h"
#include "kernel/console/kprintf.h"
#include "kernel/core/trace.h"
#include "lib/fmt.h"
#include "lib/string.h"
#include "lib/strlist.h"
#ifdef HOSTED
#include "hv/vmbus_test.h"
#endif

TRACE_FLAG(vmbus, "VMBus channel messages (both ways), decoded");

#define REPLY_TIMEOUT_MS    5000
#define UNLOAD_TIMEOUT_MS   2000
#define OFFERS_TIMEOUT_MS   60000   /* ALLOFFERS_DELIVERED: warn after 5 s, go on after 60 s */
#define MSGS_PER_POLL       64      /* then yield; the worker is re-kicked */

struct vmbus_stats vmbus_stats;

static const uint32_t versions[] = {
    VMBUS_VERSION_IRON, VMBUS_VERSION_WIN10_RS5, VMBUS_VERSION_WIN10_RS4, VMBUS_VERSION_WIN10_RS3_1,
    VMBUS_VERSION_WIN10_RS3_0, VMBUS_VERSION_WIN10, VMBUS_VERSION_WIN8_1, VMBUS_VERSION_WIN8,
};

/* Connection state. */
enum conn_state { CONN_NONE, CONN_CONTACTING, CONN_CONNECTED, CONN_UNLOADING, CONN_UNLOADED };
static enum conn_state conn;
static uint32_t negotiated, msg_conn_id = VMBUS_MSG_CONNECTION_ID;
static void *int_page, *monitor_pages;
static uint64_t int_page_phys, monitor_phys;
static bool version_answered;
static struct vmbus_msg_version_response version_reply;
static bool offers_done, unload_done, shutting_down;
static bool offers_gave_up;         /* went on without ALLOFFERS_DELIVERED; a late one is fine */
static bool host_has_pages;         /* an INITIATE_CONTACT the host may have accepted names them */

static struct vmbus_channel *chans[VMBUS_MAX_CHANNELS];
static size_t nchans;

/* GPADLs the guest created or is creating: the host answers by handle. */
struct gpadl_op {
    uint32_t handle, relid;
    bool created, torn_down;
    uint32_t status;
};
#define MAX_GPADLS 128
static struct gpadl_op gpadls[MAX_GPADLS];
static uint32_t next_gpadl = VMBUS_GPADL_FIRST_HANDLE;
static int poll_depth;
static uint32_t try_ver;            /* the version INITIATE_CONTACT asked for */

uint32_t vmbus_version(void) { return negotiated; }

/* --- GUIDs -------------------------------------------------------------- */
/* The classes minnow names, and their names in the same order (lib/strlist.h). */
static const struct vmbus_guid class_ids[] = {
    VMBUS_GUID(0xf8615163, 0xdf3e, 0x46c5, 0x91, 0x3f, 0xf2, 0xd2, 0xf9, 0x65, 0xed, 0x0e), /* network (netvsc) */
    VMBUS_GUID(0xba6163d9, 0x04a1, 0x4d29, 0xb6, 0x05, 0x72, 0xe2, 0xff, 0xb1, 0xdc, 0x7f), /* SCSI (storvsc) */
    VMBUS_GUID(0x32412632, 0x86cb, 0x44a2, 0x9b, 0x5c, 0x50, 0xd1, 0x41, 0x73, 0x54, 0xf5), /* IDE accelerator */
    VMBUS_GUID(0x57164f39, 0x9115, 0x4e78, 0xab, 0x55, 0x38, 0x2f, 0x3b, 0xd5, 0x42, 0x2d), /* heartbeat IC */
    VMBUS_GUID(0x0e0b6031, 0x5213, 0x4934, 0x81, 0x8b, 0x38, 0xd9, 0x0c, 0xed, 0x39, 0xdb), /* shutdown IC */
    VMBUS_GUID(0x9527e630, 0xd0ae, 0x497b, 0xad, 0xce, 0xe8, 0x0a, 0xb0, 0x17, 0x5c, 0xaf), /* time sync IC */
    VMBUS_GUID(0xa9a0f4e7, 0x5a45, 0x4d96, 0xb8, 0x27, 0x8a, 0x84, 0x1e, 0x8c, 0x03, 0xe6), /* KVP IC */
    VMBUS_GUID(0x35fa2e29, 0xea23, 0x4236, 0x96, 0xae, 0x3a, 0x6e, 0xba, 0xcb, 0xa4, 0x40), /* VSS IC */
    VMBUS_GUID(0x34d14be3, 0xdee4, 0x41c8, 0x9a, 0xe7, 0x6b, 0x17, 0x49, 0x77, 0xc1, 0x92), /* guest file copy */
    VMBUS_GUID(0xf912ad6d, 0x2b17, 0x48ea, 0xbd, 0x65, 0xf9, 0x27, 0xa6, 0x1c, 0x76, 0x84), /* keyboard */
    VMBUS_GUID(0xcfa8b69e, 0x5b4a, 0x4cc0, 0xb9, 0x8b, 0x8b, 0xa1, 0xa1, 0xf3, 0xf9, 0x5a), /* mouse */
    VMBUS_GUID(0xda0a7802, 0xe377, 0x4aac, 0x8e, 0x77, 0x05, 0x58, 0xeb, 0x10, 0x73, 0xf8), /* video */
    VMBUS_GUID(0x525074dc, 0x8985, 0x46e2, 0x80, 0x57, 0xa3, 0x07, 0xdc, 0x18, 0xa5, 0x02), /* dynamic memory */
    VMBUS_GUID(0x44c4f61d, 0x4444, 0x4400, 0x9d, 0x52, 0x80, 0x2e, 0x27, 0xed, 0xe1, 0x9f), /* PCI pass-through */
    VMBUS_GUID(0x2f9bcc4a, 0x0069, 0x4af3, 0xb7, 0x6b, 0x6f, 0xd0, 0xbe, 0x52, 0x8c, 0xda), /* fibre channel */
    VMBUS_GUID(0x276aacf4, 0xac15, 0x426c, 0x98, 0xdd, 0x75, 0x21, 0xad, 0x3f, 0x01, 0xfe), /* remote desktop */
};
static const char class_names[] =
    "network (netvsc)\0"
    "SCSI (storvsc)\0"
    "IDE accelerator\0"
    "heartbeat IC\0"
    "shutdown IC\0"
    "time sync IC\0"
    "KVP IC\0"
    "VSS IC\0"
    "guest file copy\0"
    "keyboard\0"
    "mouse\0"
    "video\0"
    "dynamic memory\0"
    "PCI pass-through\0"
    "fibre channel\0"
    "remote desktop";

bool vmbus_guid_eq(const struct vmbus_guid *a, const struct vmbus_guid *b)
{
    return memcmp(a->b, b->b, sizeof a->b) == 0;
}

const char *vmbus_class_name(const struct vmbus_guid *g)
{
    for (size_t i = 0; i < sizeof class_ids / sizeof class_ids[0]; i++)
        if (vmbus_guid_eq(&class_ids[i], g))
            return strlist_nth(class_names, i);
    return "unknown";
}

void vmbus_guid_str(const struct vmbus_guid *g, char out[37])
{
    static const char hex[] = "0123456789abcdef";
    /* Text order: bytes 3 2 1 0 - 5 4 - 7 6 - 8 9 - 10..15. */
    static const uint8_t order[16] = { 3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15 };
    size_t o = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[o++] = '-';
        out[o++] = hex[g->b[order[i]] >> 4];
        out[o++] = hex[g->b[order[i]] & 15];
    }
    out[o] = 0;
}

/* --- Messages out -------------------------------------------------------- */
/* VMBUS_MSG_* by number (lib/strlist.h). */
void hv_verr(const char *prefix, const char *fmt, va_list ap)
{
    char msg[160];
    fmt_vsnprintf(msg, sizeof msg, fmt, ap);
    pr_err("%s%s", prefix, msg);
}

void vmbus_err(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    hv_verr("vmbus: ", fmt, ap);
    va_end(ap);
}

static const char msg_names[] =
    "INVALID\0OFFERCHANNEL\0RESCIND_CHANNELOFFER\0REQUESTOFFERS\0ALLOFFERS_DELIVERED\0OPENCHANNEL\0"
    "OPENCHANNEL_RESULT\0CLOSECHANNEL\0GPADL_HEADER\0GPADL_BODY\0GPADL_CREATED\0GPADL_TEARDOWN\0"
    "GPADL_TORNDOWN\0RELID_RELEASED\0INITIATE_CONTACT\0VERSION_RESPONSE\0UNLOAD\0UNLOAD_RESPONSE";

static const char *msg_name(uint32_t type)
{
    return type < VMBUS_MSG_COUNT ? strlist_nth(msg_names, type) : "?";
}

/* One line per message, with the fields that matter (trace=vmbus). */
static void trace_msg(const char *dir, const void *msg, size_t len)
{
    if (!trace_vmbus || len < sizeof(struct vmbus_msg_hdr))
        return;
    const struct vmbus_msg_hdr *h = msg;
    const uint32_t *w = msg;        /* 4-byte fields after the header */
    char g1[37], g2[37];
    kprintf("vmbus: %s %s (%zu bytes)", dir, msg_name(h->type), len);
    switch (h->type) {
    case VMBUS_MSG_INITIATE_CONTACT: {
        const struct vmbus_msg_initiate_contact *m = msg;
        kprintf(" version %u.%u vcpu %u %s 0x%llx monitor 0x%llx/0x%llx", m->version >> 16, m->version & 0xFFFF,
                m->target_vcpu, m->version >= VMBUS_VERSION_WIN10_RS3_1 ? "sint+vtl" : "interrupt_page",
                (unsigned long long)m->interrupt_page, (unsigned long long)m->monitor_page1,
                (unsigned long long)m->monitor_page2);
        break;
    }
    case VMBUS_MSG_VERSION_RESPONSE:
        if (len >= 16)
            kprintf(" supported %u state %u %s %u", ((const uint8_t *)msg)[8], ((const uint8_t *)msg)[9],
                    try_ver >= VMBUS_VERSION_WIN10_RS3_1 ? "msg_conn_id" : "(ignored below 5.0)", w[3]);
        break;
    case VMBUS_MSG_OFFERCHANNEL:
        if (len >= sizeof(struct vmbus_msg_offer)) {
            const struct vmbus_msg_offer *o = msg;
            vmbus_guid_str(&o->if_type, g1);
            vmbus_guid_str(&o->if_instance, g2);
            kprintf(" relid %u conn 0x%x class {%s} (%s) instance {%s} sub %u flags 0x%x", o->child_relid,
                    o->connection_id, g1, vmbus_class_name(&o->if_type), g2, o->sub_channel_index, o->chn_flags);
        }
        break;
    case VMBUS_MSG_RESCIND_CHANNELOFFER:
    case VMBUS_MSG_CLOSECHANNEL:
    case VMBUS_MSG_RELID_RELEASED:
        if (len >= 12)
            kprintf(" relid %u", w[2]);
        break;
    case VMBUS_MSG_OPENCHANNEL: {
        const struct vmbus_msg_open_channel *m = msg;
        kprintf(" relid %u open_id %u gpadl 0x%x vp %u downstream_offset %u pages", m->child_relid, m->open_id,
                m->ring_gpadl, m->target_vp, m->downstream_page_offset);
        break;
    }
    case VMBUS_MSG_OPENCHANNEL_RESULT:
        if (len >= 20)
            kprintf(" relid %u open_id %u status 0x%x", w[2], w[3], w[4]);
        break;
    case VMBUS_MSG_GPADL_HEADER: {
        const struct vmbus_msg_gpadl_header *m = msg;
        kprintf(" relid %u gpadl 0x%x range_buflen %u ranges %u bytes %u offset %u, %zu pfns here", m->child_relid,
                m->gpadl, m->range_buflen, m->range_count, m->byte_count, m->byte_offset, (len - sizeof *m) / 8);
        break;
    }
    case VMBUS_MSG_GPADL_BODY:
        kprintf(" gpadl 0x%x, %zu pfns", w[3], (len - 16) / 8);
        break;
    case VMBUS_MSG_GPADL_CREATED:
        if (len >= 20)
            kprintf(" relid %u gpadl 0x%x status 0x%x", w[2], w[3], w[4]);
        break;
    case VMBUS_MSG_GPADL_TEARDOWN:
        kprintf(" relid %u gpadl 0x%x", w[2], w[3]);
        break;
    case VMBUS_MSG_GPADL_TORNDOWN:
        if (len >= 12)
            kprintf(" gpadl 0x%x", w[2]);
        break;
    }
    kprintf("\n");
}

/* Posts a message to the host's message port for this connection. */
static int post(const void *msg, uint32_t size)
{
    trace_msg("->", msg, size);
    int err = hv_post_message(msg_conn_id, msg, size);
    if (err)
        vmbus_err("posting %s to connection %u failed (error %d)\n",
               msg_name(((const struct vmbus_msg_hdr *)msg)->type), msg_conn_id, err);
    return err;
}

/* --- Channels ------------------------------------------------------------ */
size_t vmbus_channel_count(void) { return nchans; }
struct vmbus_channel *vmbus_channel_at(size_t i) { return i < nchans ? chans[i] : NULL; }

struct vmbus_channel *vmbus_channel_by_relid(uint32_t relid)
{
    for (size_t i = 0; i < nchans; i++)
        if (chans[i]->relid == relid)
            return chans[i];
    return NULL;
}

static void channel_remove(struct vmbus_channel *ch)
{
    for (size_t i = 0; i < nchans; i++)
        if (chans[i] == ch) {
            chans[i] = chans[--nchans];
            chans[nchans] = NULL;
            break;
        }
    hvp_free(ch);
}

LINKSET_DEFINE(struct vmbus_driver, vmbus_drivers);

static const struct vmbus_driver *driver_for(const struct vmbus_guid *class_id)
{
    LINKSET_FOREACH(struct vmbus_driver, d, vmbus_drivers)
        if (vmbus_guid_eq(&d->class_id, class_id))
            return d;
    return NULL;
}

static void probe(struct vmbus_channel *ch)
{
    const struct vmbus_driver *d = driver_for(&ch->offer.if_type);
    char cls[37], inst[37];
    vmbus_guid_str(&ch->offer.if_type, cls);
    vmbus_guid_str(&ch->offer.if_instance, inst);
    const char *name = vmbus_class_name(&ch->offer.if_type);
    if (!d) {
        /* Kept: the shell lists it, and a driver could claim it later. */
        kprintf("vmbus: relid %u %s {%s} instance {%s}: no driver\n", ch->relid, name, cls, inst);
        return;
    }
    ch->driver = d;
    ch->busy++;
    int err = d->probe(ch);
    ch->busy--;
    hvp_wake_waiters();             /* a rescind may be waiting for this */
    if (err) {
        vmbus_err("relid %u %s {%s}: driver %s failed (error %d)\n", ch->relid, name, cls, d->name, err);
        ch->driver = NULL;
        return;
    }
    kprintf("vmbus: relid %u %s {%s} instance {%s}: %s\n", ch->relid, name, cls, inst, d->name);
}

/* Deferred jobs name their channel by relid, not by pointer: by the time
 * they run, vmbus_shutdown() may have freed it (or a new offer may reuse
 * the relid, which the state checks catch). */
static void *relid_arg(uint32_t relid) { return (void *)(uintptr_t)relid; }
static uint32_t arg_relid(void *arg) { return (uint32_t)(uintptr_t)arg; }

static void probe_deferred(void *arg)
{
    struct vmbus_channel *ch = vmbus_channel_by_relid(arg_relid(arg));
    if (ch && ch->state == VMBUS_CHAN_OFFERED && !ch->rescinded && !ch->driver)
        probe(ch);
}

static void handle_offer(const struct vmbus_msg_offer *o)
{
    if (o->child_relid == 0 || o->child_relid > VMBUS_MAX_RELID || o->connection_id >= (1u << 24)) {
        vmbus_err("offer relid %u / conn 0x%x out of range (ignored)\n", o->child_relid,
               o->connection_id);
        vmbus_stats.bad_messages++;
        return;
    }
    if (vmbus_channel_by_relid(o->child_relid)) {
        vmbus_err("second offer for relid %u (ignored)\n", o->child_relid);
        vmbus_stats.bad_messages++;
        return;
    }
    if (o->sub_channel_index != 0)     /* minnow never asks for subchannels: kept, never probed */
        pr_warn("vmbus: unrequested subchannel offer relid %u (kept, unused)\n", o->child_relid);
    if (nchans == VMBUS_MAX_CHANNELS) {
        vmbus_err("more than %d offers; relid %u ignored\n", VMBUS_MAX_CHANNELS, o->child_relid);
        return;
    }
    struct vmbus_channel *ch = hvp_zalloc(sizeof *ch);
    if (!ch) {
        vmbus_err("out of memory for offer relid %u\n", o->child_relid);
        return;
    }
    ch->offer = *o;
    ch->relid = o->child_relid;
    ch->conn_id = o->connection_id;
    ch->state = VMBUS_CHAN_OFFERED;
    chans[nchans++] = ch;
    vmbus_stats.offers++;
    if (offers_done && !o->sub_channel_index)   /* hot add: probe where waiting is allowed */
        hvp_defer(probe_deferred, relid_arg(ch->relid));
}

static void release_rings(struct vmbus_channel *ch)
{
    if (ch->ring_mem)
        hvp_free_pages(ch->ring_mem, ch->ring_pages);
    ch->ring_mem = NULL;
    ch->ring_gpadl = 0;
}

/* After a rescind: the driver lets go, then the relid is released. An
 * open channel is still closed with CLOSECHANNEL; only its GPADL teardown
 * is skipped, because the host dropped the GPADLs with the channel (Linux
 * drivers/hv/channel.c: vmbus_close_internal sends CLOSECHANNEL for an
 * open channel, rescinded or not; vmbus_teardown_gpadl posts nothing for
 * a rescinded one). */
static bool channel_idle(void *arg)
{
    struct vmbus_channel *ch = vmbus_channel_by_relid(arg_relid(arg));
    return !ch || ch->busy == 0;
}

static void rescind_deferred(void *arg)
{
    /* A probe or open may be waiting for the host right now (its waits end
     * early on rescind); the channel must outlive it. */
    if (hvp_wait_until(channel_idle, arg, REPLY_TIMEOUT_MS)) {
        vmbus_err("relid %u rescinded but still in use; not released\n", arg_relid(arg));
        return;
    }
    struct vmbus_channel *ch = vmbus_channel_by_relid(arg_relid(arg));
    if (!ch || !ch->rescinded || shutting_down)
        return;                     /* gone with, or going with, vmbus_shutdown() */
    if (ch->driver && ch->driver->remove)
        ch->driver->remove(ch);
    ch->driver = NULL;
    vmbus_close(ch);                /* if the driver left it open */
    ch->on_event = NULL;
    release_rings(ch);
    for (size_t i = 0; i < MAX_GPADLS; i++)
        if (gpadls[i].handle && gpadls[i].relid == ch->relid)
            gpadls[i] = (struct gpadl_op){ 0 };
    struct vmbus_msg_relid m = { .hdr.type = VMBUS_MSG_RELID_RELEASED, .child_relid = ch->relid };
    if (conn == CONN_CONNECTED)
        post(&m, sizeof m);
    kprintf("vmbus: relid %u rescinded by the host and released\n", ch->relid);
    channel_remove(ch);
}

static void handle_rescind(uint32_t relid)
{
    struct vmbus_channel *ch = vmbus_channel_by_relid(relid);
    if (!ch || ch->rescinded) {
        vmbus_err("rescind of unknown relid %u (ignored)\n", relid);
        vmbus_stats.bad_messages++;
        return;
    }
    vmbus_stats.rescinds++;
    ch->rescinded = true;
    if (ch->state == VMBUS_CHAN_OPENING) {     /* wake the opener: failed */
        ch->open_status = 0xFFFFFFFF;
        ch->open_done = true;
    }
    ch->state = VMBUS_CHAN_RESCINDED;
    hvp_defer(rescind_deferred, relid_arg(relid));
}

static struct gpadl_op *gpadl_find(uint32_t handle)
{
    for (size_t i = 0; i < MAX_GPADLS; i++)
        if (gpadls[i].handle == handle && handle)
            return &gpadls[i];
    return NULL;
}

/* --- Messages in --------------------------------------------------------- */
/* Smallest size of each host->guest message (0: not accepted from the host). */
static const uint8_t min_size[VMBUS_MSG_COUNT] = {
    [VMBUS_MSG_OFFERCHANNEL] = sizeof(struct vmbus_msg_offer),
    [VMBUS_MSG_RESCIND_CHANNELOFFER] = sizeof(struct vmbus_msg_relid),
    [VMBUS_MSG_ALLOFFERS_DELIVERED] = sizeof(struct vmbus_msg_hdr),
    [VMBUS_MSG_OPENCHANNEL_RESULT] = sizeof(struct vmbus_msg_open_result),
    [VMBUS_MSG_GPADL_CREATED] = sizeof(struct vmbus_msg_gpadl_created),
    [VMBUS_MSG_GPADL_TORNDOWN] = sizeof(struct vmbus_msg_gpadl_torndown),
    [VMBUS_MSG_VERSION_RESPONSE] = 12,      /* msg_conn_id only matters >= 5.0 */
    [VMBUS_MSG_UNLOAD_RESPONSE] = sizeof(struct vmbus_msg_hdr),
};

static void bad(const char *what, uint32_t type)
{
    vmbus_err("%s %s from the host (dropped)\n", what, msg_name(type));
    vmbus_stats.bad_messages++;
}

void vmbus_handle_message(const void *msg, size_t len)
{
    vmbus_stats.messages++;
    if (len < sizeof(struct vmbus_msg_hdr) || len > HV_MESSAGE_PAYLOAD_MAX) {
        vmbus_err("message of %zu bytes from the host (dropped)\n", len);
        vmbus_stats.bad_messages++;
        return;
    }
    /* The payload is copied to an aligned buffer, so fields can be read in
     * place whatever the caller's alignment. */
    union {
        uint8_t raw[HV_MESSAGE_PAYLOAD_MAX];
        uint64_t align;
        struct vmbus_msg_hdr hdr;
        struct vmbus_msg_offer offer;
        struct vmbus_msg_relid relid;
        struct vmbus_msg_open_result open;
        struct vmbus_msg_gpadl_created created;
        struct vmbus_msg_gpadl_torndown torndown;
        struct vmbus_msg_version_response version;
    } m;
    memset(&m, 0, sizeof m);
    memcpy(m.raw, msg, len);
    uint32_t type = m.hdr.type;
    trace_msg("<-", m.raw, len);
    if (type >= VMBUS_MSG_COUNT || !min_size[type]) {
        vmbus_err("unexpected message type %u from the host (dropped)\n", type);
        vmbus_stats.bad_messages++;
        return;
    }
    if (len < min_size[type])
        return bad("short", type);
    bool connected = conn == CONN_CONNECTED || conn == CONN_UNLOADING;

    switch (type) {
    case VMBUS_MSG_VERSION_RESPONSE:
        if (conn != CONN_CONTACTING || version_answered)
            return bad("unsolicited", type);
        version_reply = m.version;
        if (len < 16)
            version_reply.msg_conn_id = 0;
        version_answered = true;
        break;
    case VMBUS_MSG_OFFERCHANNEL:
        if (!connected)
            return bad("early", type);
        handle_offer(&m.offer);
        break;
    case VMBUS_MSG_ALLOFFERS_DELIVERED:
        if (connected && offers_gave_up) {
            offers_gave_up = false;     /* late, after vmbus_init went on: noted */
            kprintf("vmbus: ALLOFFERS_DELIVERED arrived late\n");
            break;
        }
        if (!connected || offers_done)
            return bad("unsolicited", type);
        offers_done = true;
        break;
    case VMBUS_MSG_RESCIND_CHANNELOFFER:
        if (!connected)
            return bad("early", type);
        handle_rescind(m.relid.child_relid);
        break;
    case VMBUS_MSG_OPENCHANNEL_RESULT: {
        struct vmbus_channel *ch = vmbus_channel_by_relid(m.open.child_relid);
        if (!ch || ch->state != VMBUS_CHAN_OPENING || ch->open_done || m.open.open_id != ch->relid)
            return bad("unsolicited", type);
        ch->open_status = m.open.status;
        ch->open_done = true;
        break;
    }
    case VMBUS_MSG_GPADL_CREATED: {
        struct gpadl_op *g = gpadl_find(m.created.gpadl);
        if (!g || g->created || g->relid != m.created.child_relid)
            return bad("unsolicited", type);
        g->status = m.created.status;
        g->created = true;
        break;
    }
    case VMBUS_MSG_GPADL_TORNDOWN: {
        struct gpadl_op *g = gpadl_find(m.torndown.gpadl);
        if (!g || !g->created || g->torn_down)
            return bad("unsolicited", type);
        g->torn_down = true;
        break;
    }
    case VMBUS_MSG_UNLOAD_RESPONSE:
        if (conn != CONN_UNLOADING || unload_done)
            return bad("unsolicited", type);
        unload_done = true;
        break;
    }
}

/* Test-and-clear of SINT 2's event flags: bit n = relid n has news. */
static void scan_events(void)
{
    volatile uint8_t *area = hv_siefp_vmbus();
    if (!area)
        return;
    for (unsigned word = 0; word < HV_EVENT_FLAGS_BYTES / 8; word++) {
        uint64_t *p = (uint64_t *)(uintptr_t)(area + word * 8);
        if (!__atomic_load_n(p, __ATOMIC_RELAXED))
            continue;
        uint64_t bits = __atomic_exchange_n(p, 0, __ATOMIC_ACQ_REL);
        while (bits) {
            unsigned relid = word * 64 + (unsigned)__builtin_ctzll(bits);
            bits &= bits - 1;
            if (relid == 0)
                continue;           /* bit 0 is not a channel */
            vmbus_stats.events++;
            struct vmbus_channel *ch = vmbus_channel_by_relid(relid);
            if (ch && ch->state == VMBUS_CHAN_OPENING)
                ch->event_pending = true;   /* the host may write right after OPENCHANNEL_RESULT */
            else if (ch && ch->state == VMBUS_CHAN_OPEN && ch->on_event) {
                ch->events++;
                ch->on_event(ch);
            }
        }
    }
    /* Events that arrived while their channel was still opening. */
    for (size_t i = 0; i < nchans; i++) {
        struct vmbus_channel *ch = chans[i];
        if (ch->event_pending && ch->state == VMBUS_CHAN_OPEN && ch->on_event) {
            ch->event_pending = false;
            ch->events++;
            ch->on_event(ch);
        }
    }
}

void vmbus_poll(void)
{
    struct hv_message_page *page = hv_simp();
    if (!page)
        return;
    poll_depth++;
    volatile struct hv_message *slot = &page->slot[VMBUS_SINT];
    for (int n = 0; n < MSGS_PER_POLL; n++) {
        uint32_t type = slot->message_type;
        if (type == HVMSG_NONE)
            break;
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        uint8_t size = slot->payload_size;
        uint8_t buf[HV_MESSAGE_PAYLOAD_MAX];
        size_t len = size <= HV_MESSAGE_PAYLOAD_MAX ? size : 0;
        memcpy(buf, (const void *)slot->payload, len);
        /* Free the slot, then look at msg_pending: if the hypervisor queued
         * another message meanwhile, EOM makes it deliver it (TLFS; Linux
         * vmbus_signal_eom clears the type first for this reason). */
        slot->message_type = HVMSG_NONE;
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        if (slot->message_flags & HV_MSG_FLAG_PENDING)
            hv_eom();
        if (type != HV_MESSAGE_TYPE_VMBUS) {
            vmbus_err("SynIC message type 0x%x on the VMBus SINT (dropped)\n", type);
            vmbus_stats.bad_messages++;
        } else if (size > HV_MESSAGE_PAYLOAD_MAX) {
            vmbus_err("SynIC message payload %u > 240 (dropped)\n", size);
            vmbus_stats.bad_messages++;
        } else {
            vmbus_handle_message(buf, len);
        }
        if (n == MSGS_PER_POLL - 1)
            hvp_worker_kick();      /* more later; let others run */
    }
    if (poll_depth == 1)
        scan_events();
    poll_depth--;
    hvp_wake_waiters();
}

/* --- Connecting ---------------------------------------------------------- */
static bool version_cond(void *arg) { (void)arg; return version_answered; }
static bool offers_cond(void *arg) { (void)arg; return offers_done; }
static bool unload_cond(void *arg) { (void)arg; return unload_done; }

/* UNLOAD, then UNLOAD_RESPONSE: the host lets go of every page it was
 * given. UNLOAD exists from Win7 on; Linux (channel_mgmt.c
 * vmbus_initiate_unload) sends it only from 3.0 on and frees the pages
 * without it below that. Without an answer the pages stay the host's. */
static void unload(void)
{
    if (negotiated >= VMBUS_VERSION_WIN8_1) {
        struct vmbus_msg_hdr m = { .type = VMBUS_MSG_UNLOAD };
        unload_done = false;
        conn = CONN_UNLOADING;
        if (post(&m, sizeof m) == 0 && hvp_wait_until(unload_cond, NULL, UNLOAD_TIMEOUT_MS))
            pr_warn("vmbus: no UNLOAD_RESPONSE within %d ms\n", UNLOAD_TIMEOUT_MS);
        if (!unload_done)
            return;
    }
    host_has_pages = false;
}

/* One INITIATE_CONTACT round. 1: accepted, 0: refused, < 0: error. */
static int try_version(uint32_t v)
{
    struct vmbus_msg_initiate_contact m = {
        .hdr.type = VMBUS_MSG_INITIATE_CONTACT,
        .version = v,
        .target_vcpu = hv.vp_index,
        .monitor_page1 = monitor_phys,
        .monitor_page2 = monitor_phys + 4096,
    };
    uint32_t port = VMBUS_MSG_CONNECTION_ID;
    if (v >= VMBUS_VERSION_WIN10_RS3_1) {
        /* 5.0+: name the SINT, post to the multi-client port 4. */
        m.msg_sint = VMBUS_SINT;
        port = VMBUS_MSG_CONNECTION_ID_5;
    } else {
        m.interrupt_page = int_page_phys;
    }
    version_answered = false;
    try_ver = v;
    conn = CONN_CONTACTING;
    trace_msg("->", &m, sizeof m);
    int err = hv_post_message(port, &m, sizeof m);
    if (!err)
        host_has_pages = true;      /* until a refusal says otherwise */
    if (err == -ENOENT)
        return 0;                   /* INVALID_CONNECTION_ID: no such port, e.g. no port 4 on a host
                                     * older than 5.0; try the next version (Linux vmbus_connect) */
    if (err) {
        vmbus_err("INITIATE_CONTACT %u.%u: post failed (error %d)\n", v >> 16, v & 0xFFFF, err);
        return -EIO;
    }
    if (hvp_wait_until(version_cond, NULL, REPLY_TIMEOUT_MS)) {
        vmbus_err("no VERSION_RESPONSE to %u.%u within %d ms\n", v >> 16, v & 0xFFFF, REPLY_TIMEOUT_MS);
        return -ETIMEDOUT;
    }
    if (!version_reply.version_supported) {
        host_has_pages = false;     /* refused: the host keeps nothing of ours */
        return 0;
    }
    /* Accepted. connection_state is not checked: Linux
     * (drivers/hv/connection.c vmbus_negotiate_version) looks only at
     * version_supported, and so does the rest of the connection. */
    if (v >= VMBUS_VERSION_WIN10_RS3_1) {
        if (version_reply.msg_conn_id == 0 || version_reply.msg_conn_id >= (1u << 24)) {
            vmbus_err("host gave message connection id %u\n", version_reply.msg_conn_id);
            return -EIO;
        }
        msg_conn_id = version_reply.msg_conn_id;
    }
    return 1;
}

static void free_conn_pages(void);

/* The interrupt and monitor pages go back only when the host no longer
 * holds them: never contacted, refused, or unloaded. Otherwise they are
 * left to the host (Linux frees them in vmbus_disconnect only after
 * vmbus_initiate_unload). */
static void release_conn_pages(void)
{
    if (host_has_pages) {
        pr_warn("vmbus: host may still use the interrupt/monitor pages: not freed\n");
        int_page = monitor_pages = NULL;
        return;
    }
    free_conn_pages();
}

static void free_conn_pages(void)
{
    if (int_page)
        hvp_free_pages(int_page, 1);
    if (monitor_pages)
        hvp_free_pages(monitor_pages, 2);
    int_page = monitor_pages = NULL;
}

int vmbus_init(void)
{
    int err = 0;
    conn = CONN_NONE;
    negotiated = 0;
    msg_conn_id = VMBUS_MSG_CONNECTION_ID;
    offers_done = unload_done = offers_gave_up = host_has_pages = false;
    /* Interrupt page (< 5.0 wants one; the host ignores it from 2.4 on) and
     * the two monitor pages: both or neither (openvmm refuses one); Linux
     * and FreeBSD always pass two zeroed pages. */
    int_page = hvp_alloc_pages(1, &int_page_phys);
    monitor_pages = hvp_alloc_pages(2, &monitor_phys);
    if (!int_page || !monitor_pages) {
        free_conn_pages();
        return -ENOMEM;
    }
    hvp_worker_start();

    int r = 0;
    for (size_t i = 0; i < sizeof versions / sizeof versions[0]; i++) {
        r = try_version(versions[i]);
        if (r < 0) {
            err = r;
            goto fail;
        }
        if (r == 1) {
            negotiated = versions[i];
            break;
        }
    }
    if (!negotiated) {
        vmbus_err("host accepts no version from 5.3 down to 2.4\n");
        err = -ENOTSUP;
        goto fail;
    }
    conn = CONN_CONNECTED;
    kprintf("vmbus: version %u.%u, messages to connection %u\n", negotiated >> 16, negotiated & 0xFFFF,
            msg_conn_id);

    struct vmbus_msg_hdr req = { .type = VMBUS_MSG_REQUESTOFFERS };
    err = post(&req, sizeof req);
    if (err)
        goto fail;
    /* A slow host is waited for, with a warning, as Linux does; the bus
     * is never failed here, since the host now holds our pages. After the
     * bound, the offers so far are probed and later ones as hot adds. */
    if (hvp_wait_until(offers_cond, NULL, REPLY_TIMEOUT_MS)) {
        pr_warn("vmbus: no ALLOFFERS_DELIVERED after %d ms; still waiting\n", REPLY_TIMEOUT_MS);
        if (hvp_wait_until(offers_cond, NULL, OFFERS_TIMEOUT_MS - REPLY_TIMEOUT_MS)) {
            pr_warn("vmbus: no ALLOFFERS_DELIVERED after %d ms; going on with the offers so far\n",
                    OFFERS_TIMEOUT_MS);
            offers_gave_up = offers_done = true;
        }
    }
    kprintf("vmbus: %zu offer%s\n", nchans, nchans == 1 ? "" : "s");
    for (size_t i = 0; i < nchans; i++)
        if (chans[i]->state == VMBUS_CHAN_OFFERED && !chans[i]->rescinded && !chans[i]->offer.sub_channel_index)
            probe(chans[i]);
    return 0;

fail:
    if (conn == CONN_CONNECTED)
        unload();                   /* the host accepted our pages: take them back */
    conn = CONN_NONE;
    negotiated = 0;
    release_conn_pages();
    return err;
}

/* --- GPADLs -------------------------------------------------------------- */
struct gpadl_wait {
    struct gpadl_op *g;
    bool teardown;
    struct vmbus_channel *ch;
};

/* Waits end on the answer, or when the host rescinds the channel (it will
 * not answer for a revoked channel). */
static bool gpadl_cond(void *arg)
{
    struct gpadl_wait *w = arg;
    return (w->teardown ? w->g->torn_down : w->g->created) || w->ch->rescinded;
}

/* A GPADL describes guest pages to the host: a header with the range
 * (byte count, offset, first 26 PFNs) and as many bodies as needed for the
 * rest (28 PFNs each), posted back to back; the host answers once. */
int vmbus_gpadl_create(struct vmbus_channel *ch, uint64_t phys, size_t pages, uint32_t *handle)
{
    /* range_buflen is a u16 of 8 + 8 x PFNs; byte_count a u32. */
    if (!pages || pages > (0xFFFFu - 8) / 8 || (phys & 0xFFF) || conn != CONN_CONNECTED)
        return -EINVAL;
    struct gpadl_op *g = NULL;
    for (size_t i = 0; i < MAX_GPADLS && !g; i++)
        if (!gpadls[i].handle)
            g = &gpadls[i];
    if (!g)
        return -ENOSPC;
    *g = (struct gpadl_op){ .handle = next_gpadl++, .relid = ch->relid };
    if (next_gpadl == 0)
        next_gpadl = VMBUS_GPADL_FIRST_HANDLE;

    union {
        uint8_t raw[HV_MESSAGE_PAYLOAD_MAX];
        struct vmbus_msg_gpadl_header h;
        struct vmbus_msg_gpadl_body b;
    } m;
    size_t n = pages < VMBUS_GPADL_HEADER_PFNS ? pages : VMBUS_GPADL_HEADER_PFNS;
    memset(&m, 0, sizeof m);
    m.h.hdr.type = VMBUS_MSG_GPADL_HEADER;
    m.h.child_relid = ch->relid;
    m.h.gpadl = g->handle;
    m.h.range_buflen = (uint16_t)(8 + 8 * pages);
    m.h.range_count = 1;
    m.h.byte_count = (uint32_t)(pages * 4096);
    m.h.byte_offset = 0;
    for (size_t i = 0; i < n; i++)
        m.h.pfn[i] = (phys >> 12) + i;
    int err = post(&m, (uint32_t)(sizeof m.h + 8 * n));
    for (size_t done = n; !err && done < pages;) {
        size_t k = pages - done < VMBUS_GPADL_BODY_PFNS ? pages - done : VMBUS_GPADL_BODY_PFNS;
        memset(&m, 0, sizeof m);
        m.b.hdr.type = VMBUS_MSG_GPADL_BODY;
        m.b.gpadl = g->handle;
        for (size_t i = 0; i < k; i++)
            m.b.pfn[i] = (phys >> 12) + done + i;
        err = post(&m, (uint32_t)(sizeof m.b + 8 * k));
        done += k;
    }
    if (err) {
        *g = (struct gpadl_op){ 0 };
        return err;
    }
    struct gpadl_wait w = { g, false, ch };
    if (hvp_wait_until(gpadl_cond, &w, REPLY_TIMEOUT_MS)) {
        vmbus_err("no GPADL_CREATED for gpadl 0x%x within %d ms\n", g->handle, REPLY_TIMEOUT_MS);
        return -ETIMEDOUT;          /* the handle stays reserved: the host may still answer */
    }
    if (!g->created) {              /* rescinded: the host dropped it */
        *g = (struct gpadl_op){ 0 };
        return -ENODEV;
    }
    if (g->status != 0) {
        vmbus_err("host refused gpadl 0x%x (%zu pages): status 0x%x\n", g->handle, pages, g->status);
        *g = (struct gpadl_op){ 0 };
        return -EIO;
    }
    *handle = g->handle;
    return 0;
}

int vmbus_gpadl_destroy(struct vmbus_channel *ch, uint32_t handle)
{
    struct gpadl_op *g = gpadl_find(handle);
    if (!g || !g->created || g->relid != ch->relid)
        return -EINVAL;
    if (ch->rescinded || conn != CONN_CONNECTED) {   /* host side already gone */
        *g = (struct gpadl_op){ 0 };
        return 0;
    }
    struct vmbus_msg_gpadl_teardown m = { .hdr.type = VMBUS_MSG_GPADL_TEARDOWN, .child_relid = ch->relid,
                                          .gpadl = handle };
    int err = post(&m, sizeof m);
    if (err)
        return err;
    struct gpadl_wait w = { g, true, ch };
    if (hvp_wait_until(gpadl_cond, &w, REPLY_TIMEOUT_MS)) {
        vmbus_err("no GPADL_TORNDOWN for gpadl 0x%x within %d ms\n", handle, REPLY_TIMEOUT_MS);
        return -ETIMEDOUT;          /* the memory must not be reused: caller leaks it */
    }
    *g = (struct gpadl_op){ 0 };
    return 0;
}

/* --- Open, close, send, receive ------------------------------------------ */
static bool open_cond(void *arg) { return ((struct vmbus_channel *)arg)->open_done; }
static int open_channel(struct vmbus_channel *ch, size_t out_bytes, size_t in_bytes, const void *user_data,
                        size_t user_len, vmbus_callback_t cb);

int vmbus_open(struct vmbus_channel *ch, size_t out_bytes, size_t in_bytes, const void *user_data,
               size_t user_len, vmbus_callback_t cb)
{
    if (ch->state != VMBUS_CHAN_OFFERED || ch->rescinded || (out_bytes | in_bytes) & 0xFFF ||
        out_bytes < 8192 || in_bytes < 8192 || user_len > VMBUS_OPEN_USER_DATA_SIZE)
        return -EINVAL;
    ch->busy++;
    int err = open_channel(ch, out_bytes, in_bytes, user_data, user_len, cb);
    ch->busy--;
    hvp_wake_waiters();
    return err;
}

static int open_channel(struct vmbus_channel *ch, size_t out_bytes, size_t in_bytes, const void *user_data,
                        size_t user_len, vmbus_callback_t cb)
{
    ch->out_pages = out_bytes / 4096;
    ch->ring_pages = ch->out_pages + in_bytes / 4096;
    ch->ring_mem = hvp_alloc_pages(ch->ring_pages, &ch->ring_phys);
    if (!ch->ring_mem)
        return -ENOMEM;
    vmbus_ring_init(&ch->out, ch->ring_mem, ch->out_pages);
    vmbus_ring_init(&ch->in, (uint8_t *)ch->ring_mem + out_bytes, in_bytes / 4096);
    int err = vmbus_gpadl_create(ch, ch->ring_phys, ch->ring_pages, &ch->ring_gpadl);
    if (err)
        goto fail_rings;

    struct vmbus_msg_open_channel m = {
        .hdr.type = VMBUS_MSG_OPENCHANNEL, .child_relid = ch->relid, .open_id = ch->relid,
        .ring_gpadl = ch->ring_gpadl, .target_vp = hv.vp_index, .downstream_page_offset = (uint32_t)ch->out_pages,
    };
    if (user_len)
        memcpy(m.user_data, user_data, user_len);
    ch->on_event = cb;
    ch->open_done = false;
    ch->state = VMBUS_CHAN_OPENING;
    err = post(&m, sizeof m);
    if (!err && hvp_wait_until(open_cond, ch, REPLY_TIMEOUT_MS)) {
        vmbus_err("no OPENCHANNEL_RESULT for relid %u within %d ms\n", ch->relid, REPLY_TIMEOUT_MS);
        err = -ETIMEDOUT;
    } else if (!err && ch->open_status != 0) {
        vmbus_err("host refused to open relid %u: status 0x%x\n", ch->relid, ch->open_status);
        err = -EIO;
    }
    if (err)
        goto fail_gpadl;
    ch->state = VMBUS_CHAN_OPEN;
    /* The host may have written (and signalled) before we got here: look
     * at the ring once from the worker. */
    ch->event_pending = true;
    hvp_worker_kick();
    return 0;

fail_gpadl:
    if (ch->state == VMBUS_CHAN_OPENING)
        ch->state = VMBUS_CHAN_OFFERED;
    ch->on_event = NULL;
    if (vmbus_gpadl_destroy(ch, ch->ring_gpadl) == -ETIMEDOUT) {
        ch->ring_mem = NULL;        /* the host may still use it: leak, never reuse */
        return err;
    }
fail_rings:
    release_rings(ch);
    return err;
}

void vmbus_close(struct vmbus_channel *ch)
{
    if (ch->state != VMBUS_CHAN_OPEN && !(ch->rescinded && ch->ring_mem))
        return;
    ch->on_event = NULL;
    /* Rescinded with rings still here: it was open (a failed open frees
     * them), so it is closed as any open channel is (Linux
     * vmbus_close_internal). */
    if (conn == CONN_CONNECTED) {
        struct vmbus_msg_relid m = { .hdr.type = VMBUS_MSG_CLOSECHANNEL, .child_relid = ch->relid };
        post(&m, sizeof m);
    }
    if (!ch->rescinded)
        ch->state = VMBUS_CHAN_OFFERED;
    if (vmbus_gpadl_destroy(ch, ch->ring_gpadl) == -ETIMEDOUT)
        ch->ring_mem = NULL;        /* leak rather than hand the host's pages out again */
    release_rings(ch);
}

/* "Look at the ring" to the host: HvSignalEvent on the offer's connection
 * id. A channel without a dedicated interrupt (hosts 2.4 .. 4.1 may offer
 * one) first sets its bit in the interrupt page, which is how the host
 * tells which channel signalled (Linux drivers/hv/connection.c
 * vmbus_set_event, channel_mgmt.c vmbus_onoffer). */
static void signal_host(struct vmbus_channel *ch)
{
    ch->signals++;
    if (!(ch->offer.is_dedicated_interrupt & 1) && int_page && ch->relid <= VMBUS_MAX_RELID) {
        uint64_t *w = (uint64_t *)((uint8_t *)int_page + VMBUS_INT_PAGE_SEND_OFFSET) + ch->relid / 64;
        __atomic_fetch_or(w, 1ull << (ch->relid % 64), __ATOMIC_SEQ_CST);
    }
    hv_signal_event(ch->conn_id);
}

void vmbus_signal_host(struct vmbus_channel *ch) { signal_host(ch); }

int vmbus_send(struct vmbus_channel *ch, uint16_t type, uint16_t flags, uint64_t trans_id, const void *data,
               size_t len)
{
    struct vmbus_iov iov = { data, len };
    return vmbus_send_iov(ch, type, flags, trans_id, 0, &iov, 1);
}

int vmbus_send_iov(struct vmbus_channel *ch, uint16_t type, uint16_t flags, uint64_t trans_id, size_t hdr_len,
                   const struct vmbus_iov *iov, size_t niov)
{
    if (ch->state != VMBUS_CHAN_OPEN)
        return -EPIPE;
    size_t len = 0;
    for (size_t i = 0; i < niov; i++)
        len += iov[i].len;
    bool signal;
    int err = vmbus_ring_write_hdr(&ch->out, type, flags, trans_id, hdr_len, iov, niov, &signal);
    if (err == -EAGAIN) {
        /* Full: ask the host to signal us once the packet fits. P is the
         * packet's length in the ring (8-aligned, trailer included), as
         * Linux sets it (include/linux/hyperv.h set_channel_pending_send_size
         * callers; openvmm OutgoingRing::set_pending_send_size): the
         * consumer signals when free space F goes above P, which is when
         * F > L lets us write (drivers/hv/ring_buffer.c hv_pkt_iter_close,
         * openvmm vm/devices/vmbus/vmbus_ring/src/lib.rs commit_read). The
         * feature bit was set at init. */
        ch->tx_full++;
        ch->out.ctl->pending_send_sz = vmbus_ring_pkt_size(len);
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        /* Space may have appeared before the host saw the request. */
        err = vmbus_ring_write_hdr(&ch->out, type, flags, trans_id, hdr_len, iov, niov, &signal);
        if (err)
            return err;
    }
    if (err)
        return err;
    if (ch->out.ctl->pending_send_sz)
        ch->out.ctl->pending_send_sz = 0;
    ch->tx_packets++;
    if (signal) {
        signal_host(ch);
    }
    return 0;
}

void vmbus_channel_reschedule(struct vmbus_channel *ch)
{
    ch->event_pending = true;
    hvp_worker_kick();
}

struct space_wait {
    struct vmbus_channel *ch;
    uint32_t need;
};

static bool space_cond(void *arg)
{
    struct space_wait *w = arg;
    uint32_t free_bytes;
    return w->ch->state != VMBUS_CHAN_OPEN || (vmbus_ring_avail_write(&w->ch->out, &free_bytes) == 0 &&
                                               free_bytes > w->need);   /* F > L: it fits */
}

int vmbus_send_wait(struct vmbus_channel *ch, uint16_t type, uint16_t flags, uint64_t trans_id, const void *data,
                    size_t len, uint64_t timeout_ms)
{
    int err = vmbus_send(ch, type, flags, trans_id, data, len);
    if (err != -EAGAIN)
        return err;
    struct space_wait w = { ch, ch->out.ctl->pending_send_sz };
    ch->busy++;                     /* a rescind meanwhile must not free ch */
    err = hvp_wait_until(space_cond, &w, timeout_ms);
    if (!err)
        err = vmbus_send(ch, type, flags, trans_id, data, len);
    ch->busy--;
    hvp_wake_waiters();
    return err;
}

int vmbus_recv_peek(struct vmbus_channel *ch, struct vmbus_pkt_desc *desc)
{
    if (!ch->ring_mem)
        return -EIO;
    int total = vmbus_ring_peek(&ch->in, desc);
    if (total == 0)
        return -EAGAIN;
    if (total < 0) {
        vmbus_err("relid %u: corrupt inbound ring (read %u write %u)\n", ch->relid,
               ch->in.ctl->read_index, ch->in.ctl->write_index);
        return -EIO;
    }
    return total;
}

void vmbus_recv_done(struct vmbus_channel *ch, uint32_t total)
{
    ch->rx_packets++;
    if (vmbus_ring_consume(&ch->in, total))
        signal_host(ch);
}

int vmbus_recv(struct vmbus_channel *ch, void *buf, size_t cap, size_t *len, struct vmbus_pkt_desc *desc)
{
    int total = vmbus_recv_peek(ch, desc);
    if (total < 0)
        return total;
    uint32_t off = desc->offset8 * 8u;
    *len = (uint32_t)total - off;
    int ret = 0;
    if (*len > cap)
        ret = -EMSGSIZE;
    else
        vmbus_ring_copy_out(&ch->in, off, buf, *len);
    vmbus_recv_done(ch, (uint32_t)total);
    return ret;
}

/* --- Shutdown ------------------------------------------------------------ */
void vmbus_shutdown(void)
{
    if (conn != CONN_CONNECTED)
        return;
    /* From here on, rescinds are only noted: a deferred release must not
     * free a channel this loop is closing. */
    shutting_down = true;
    for (size_t i = 0; i < nchans; i++) {
        struct vmbus_channel *ch = chans[i];
        ch->busy++;
        if (ch->driver && ch->driver->remove)
            ch->driver->remove(ch);
        vmbus_close(ch);
        ch->driver = NULL;
        ch->busy--;
    }
    unload();
    conn = CONN_UNLOADED;
    hv_synic_shutdown();
    while (nchans)
        channel_remove(chans[nchans - 1]);
    release_conn_pages();
    negotiated = 0;
    shutting_down = false;
    kprintf("vmbus: unloaded\n");
}

#ifdef HOSTED
/* Test hooks (vmbus_test.h). */
_Static_assert(MAX_GPADLS == VMBUS_TEST_MAX_GPADLS, "vmbus_test.h's GPADL table size");

bool vmbus_test_connected(void) { return conn == CONN_CONNECTED; }

size_t vmbus_test_gpadls(uint32_t *out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < MAX_GPADLS && n < cap; i++)
        if (gpadls[i].handle)
            out[n++] = gpadls[i].handle;
    return n;
}

size_t vmbus_test_min_size(uint32_t type) { return type < VMBUS_MSG_COUNT ? min_size[type] : 0; }

void vmbus_reset_for_tests(void)
{
    for (size_t i = 0; i < nchans; i++) {
        if (chans[i]->driver && chans[i]->priv)
            hvp_free(chans[i]->priv);
        hvp_free(chans[i]);
        chans[i] = NULL;
    }
    nchans = 0;
    memset(gpadls, 0, sizeof gpadls);
    next_gpadl = VMBUS_GPADL_FIRST_HANDLE;
    conn = CONN_NONE;
    negotiated = try_ver = 0;
    shutting_down = false;
    msg_conn_id = VMBUS_MSG_CONNECTION_ID;
    int_page = monitor_pages = NULL;        /* arena pages: gone with the simulator */
    int_page_phys = monitor_phys = 0;
    version_answered = offers_done = unload_done = offers_gave_up = host_has_pages = false;
    memset(&version_reply, 0, sizeof version_reply);
    poll_depth = 0;
    memset(&vmbus_stats, 0, sizeof vmbus_stats);
}
#endif

/* --- The `vmbus` shell command ------------------------------------------- */
static const char *state_name(enum vmbus_chan_state s)
{
    return (unsigned)s < 4 ? strlist_nth("offered\0opening\0open\0rescinded", s) : "?";
}

static void ring_line(const char *dir, const struct vmbus_ring *r)
{
    uint32_t used = 0;
    int err = vmbus_ring_avail_read(r, &used);
    kprintf("      %s ring: %u bytes, write %u read %u (%s%u used) mask %u pending_send %u\n", dir, r->size,
            r->ctl->write_index, r->ctl->read_index, err ? "CORRUPT, " : "", used, r->ctl->interrupt_mask,
            r->ctl->pending_send_sz);
}

void vmbus_dump(void)
{
    if (!negotiated) {
        kprintf("vmbus: not connected%s\n", hv.present ? "" : " (not on Hyper-V)");
        return;
    }
    kprintf("vmbus %u.%u, message connection %u; %zu channels; messages %llu (bad %llu), events %llu, "
            "interrupts %llu, EOMs %llu, posts %llu (retries %llu), signals %llu\n",
            negotiated >> 16, negotiated & 0xFFFF, msg_conn_id, nchans, (unsigned long long)vmbus_stats.messages,
            (unsigned long long)vmbus_stats.bad_messages, (unsigned long long)vmbus_stats.events,
            (unsigned long long)hv_stats.interrupts, (unsigned long long)hv_stats.eoms,
            (unsigned long long)hv_stats.posts, (unsigned long long)hv_stats.post_retries,
            (unsigned long long)hv_stats.signals);
    for (size_t i = 0; i < nchans; i++) {
        struct vmbus_channel *ch = chans[i];
        char inst[37];
        vmbus_guid_str(&ch->offer.if_instance, inst);
        kprintf("  relid %-3u %-18s %-9s %-13s conn 0x%x {%s}\n", ch->relid, vmbus_class_name(&ch->offer.if_type),
                state_name(ch->state), ch->driver ? ch->driver->name : "-", ch->conn_id, inst);
        if (ch->state == VMBUS_CHAN_OPEN) {
            kprintf("      packets tx %llu rx %llu, signals %llu, events %llu, ring full %llu\n",
                    (unsigned long long)ch->tx_packets, (unsigned long long)ch->rx_packets,
                    (unsigned long long)ch->signals, (unsigned long long)ch->events, (unsigned long long)ch->tx_full);
            ring_line("out", &ch->out);
            ring_line("in ", &ch->in);
        }
    }
}
