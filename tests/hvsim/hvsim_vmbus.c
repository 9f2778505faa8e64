/* hvsim VMBus host: the channel-message server behind connection 1 (and 4
 * and msg_conn_id), offers, GPADL bookkeeping, open/close, rescind, unload.
 *
 * Sources: Linux include/linux/hyperv.h (message types and structures,
 * version numbers), drivers/hv/connection.c (negotiation, ports 1 and 4)
 * and drivers/hv/channel.c (GPADL header/body, OPENCHANNEL and the ring
 * split); openvmm vm/devices/vmbus/vmbus_core/src/protocol.rs (message
 * sizes, the exact-match version rule); FreeBSD sys/dev/hyperv/vmbus/
 * vmbus_reg.h. Host behaviour modelled on openvmm vm/devices/vmbus/vmbus_server/
 * src/channels.rs (handle_initiate_contact, handle_gpadl_header/body,
 * handle_open_channel) and vmbus_channel/src/gpadl_ring.rs (rings are whole
 * pages, at least two each). Every rule a guest breaks is a violation. */
#include <stdlib.h>
#include <string.h>
#include "tests/hvsim/hvsim_int.h"

#define GPADL_FAIL_STATUS 0x8000FFFFu     /* openvmm's failure status (vmbus_server/src/channels.rs) */
#define OPEN_FAIL_STATUS  0xC0000001u     /* STATUS_UNSUCCESSFUL */

struct gpadl {
    bool used, complete;
    uint32_t handle, relid;
    uint16_t range_buflen, range_count;
    uint32_t got;                         /* bytes of range data received */
    uint8_t *buf;                         /* range_buflen bytes */
    uint64_t *pfn;                        /* complete: all PFNs of all ranges */
    size_t npfn;
    uint32_t byte_count, byte_offset;     /* range 0 */
    bool single_range;
};

static struct {
    enum hvsim_conn_state state;
    uint32_t version;
    unsigned unloads;
    unsigned alloffers_in;
    uint64_t int_page;              /* < 5.0: the guest's interrupt page (GPA), 0 if none */          /* steps until a delayed ALLOFFERS_DELIVERED; 0 = none due */
    struct hvsim_chan *chans[HVSIM_MAX_CHANS];
    size_t nchans;
    struct gpadl gpadls[HVSIM_MAX_GPADLS];
} vb;

static const char *const msg_names[VMBUS_MSG_COUNT] = {
    "INVALID", "OFFERCHANNEL", "RESCIND_CHANNELOFFER", "REQUESTOFFERS", "ALLOFFERS_DELIVERED",
    "OPENCHANNEL", "OPENCHANNEL_RESULT", "CLOSECHANNEL", "GPADL_HEADER", "GPADL_BODY",
    "GPADL_CREATED", "GPADL_TEARDOWN", "GPADL_TORNDOWN", "RELID_RELEASED", "INITIATE_CONTACT",
    "VERSION_RESPONSE", "UNLOAD", "UNLOAD_RESPONSE",
};

enum hvsim_conn_state hvsim_conn_state(void) { return vb.state; }
uint32_t hvsim_negotiated_version(void) { return vb.state == HVS_DISCONNECTED ? 0 : vb.version; }
unsigned hvsim_unload_count(void) { return vb.unloads; }

static void free_gpadl(struct gpadl *g)
{
    free(g->buf);
    free(g->pfn);
    memset(g, 0, sizeof *g);
}

static void free_outbox(struct hvsim_chan *ch)
{
    while (ch->out_head) {
        struct hs_pkt *p = ch->out_head;
        ch->out_head = p->next;
        free(p);
    }
    ch->out_tail = NULL;
    ch->backlog = 0;
}

static void close_chan(struct hvsim_chan *ch)
{
    if (!ch->open)
        return;
    if (ch->ops->on_close)
        ch->ops->on_close(ch);
    ch->open = false;
    hs_chan_rings_close(ch);
    free_outbox(ch);
}

void hvsim_vmbus_reset(void) { memset(&vb, 0, sizeof vb); }

void hvsim_vmbus_free(void)
{
    for (size_t i = 0; i < vb.nchans; i++) {
        close_chan(vb.chans[i]);
        free(vb.chans[i]);
    }
    for (size_t i = 0; i < HVSIM_MAX_GPADLS; i++)
        if (vb.gpadls[i].used)
            free_gpadl(&vb.gpadls[i]);
    memset(&vb, 0, sizeof vb);
}

static bool host_supports(uint32_t v)
{
    const struct hvsim_config *c = hvsim_cfg();
    for (size_t i = 0; i < c->nversions; i++)
        if (c->versions[i] == v)
            return true;
    return false;
}

static bool host_has_v5(void)
{
    const struct hvsim_config *c = hvsim_cfg();
    for (size_t i = 0; i < c->nversions; i++)
        if (c->versions[i] >= VMBUS_VERSION_WIN10_RS3_1)
            return true;
    return false;
}

/* Ports the host listens on: 1 always, 4 only on 5.0+ hosts (openvmm
 * vm/devices/vmbus/vmbus_server/src/lib.rs; Linux drivers/hv/connection.c
 * relies on INVALID_CONNECTION_ID from older hosts), and the
 * msg_conn_id it hands out. */
bool hvsim_vmbus_conn_exists(uint32_t id)
{
    if (id == VMBUS_MSG_CONNECTION_ID)
        return true;
    if (id == VMBUS_MSG_CONNECTION_ID_5)
        return host_has_v5();
    return id == hvsim_cfg()->msg_conn_id && host_has_v5();
}

struct hvsim_chan *hvsim_chan_by_relid(uint32_t relid)
{
    for (size_t i = 0; i < vb.nchans; i++)
        if (vb.chans[i]->relid == relid && !vb.chans[i]->released)
            return vb.chans[i];
    return NULL;
}

uint32_t hvsim_chan_relid(const struct hvsim_chan *ch) { return ch->relid; }
uint32_t hvsim_chan_conn_id(const struct hvsim_chan *ch) { return ch->conn_id; }
void *hvsim_chan_priv(const struct hvsim_chan *ch) { return ch->priv; }
bool hvsim_chan_is_open(const struct hvsim_chan *ch) { return ch->open; }
unsigned hvsim_chan_closes(const struct hvsim_chan *ch) { return ch->closes; }

bool hvsim_chan_released(const struct hvsim_chan *ch) { return ch->released; }
const struct hvsim_ring_stats *hvsim_chan_stats(const struct hvsim_chan *ch) { return &ch->st; }
size_t hvsim_chan_backlog(const struct hvsim_chan *ch) { return ch->backlog; }

static struct gpadl *gpadl_find(uint32_t handle)
{
    for (size_t i = 0; i < HVSIM_MAX_GPADLS; i++)
        if (vb.gpadls[i].used && vb.gpadls[i].handle == handle)
            return &vb.gpadls[i];
    return NULL;
}

size_t hvsim_gpadl_count(void)
{
    size_t n = 0;
    for (size_t i = 0; i < HVSIM_MAX_GPADLS; i++)
        n += vb.gpadls[i].used && vb.gpadls[i].complete;
    return n;
}

size_t hvsim_gpadl_pages(uint32_t handle)
{
    struct gpadl *g = gpadl_find(handle);
    return g && g->complete ? g->npfn : 0;
}

const uint64_t *hvsim_gpadl_pfns(uint32_t handle, uint32_t relid, size_t *npfn, uint32_t *byte_count,
                                 uint32_t *byte_offset)
{
    struct gpadl *g = gpadl_find(handle);
    if (!g || !g->complete || g->relid != relid || !g->single_range)
        return NULL;
    *npfn = g->npfn;
    *byte_count = g->byte_count;
    *byte_offset = g->byte_offset;
    return g->pfn;
}

bool hvsim_vmbus_pages_in_gpadl(uint64_t gpa, size_t pages)
{
    uint64_t first = gpa / HVSIM_PAGE, last = first + pages;
    for (size_t i = 0; i < HVSIM_MAX_GPADLS; i++) {
        struct gpadl *g = &vb.gpadls[i];
        struct hvsim_chan *ch = hvsim_chan_by_relid(g->relid);
        if (ch && ch->rescinded)
            continue;               /* revoked: the host no longer touches it */
        for (size_t j = 0; g->used && g->complete && j < g->npfn; j++)
            if (g->pfn[j] >= first && g->pfn[j] < last)
                return true;
    }
    return false;
}

/* --- Offers ----------------------------------------------------------------- */
void hvsim_make_offer(struct vmbus_msg_offer *o, const struct vmbus_guid *class_id,
                      const struct vmbus_guid *instance_id, uint32_t relid)
{
    memset(o, 0, sizeof *o);
    o->hdr.type = VMBUS_MSG_OFFERCHANNEL;
    o->if_type = *class_id;
    o->if_instance = *instance_id;
    o->child_relid = relid;
    o->monitor_id = 0xFF;                 /* no MNF */
    o->monitor_allocated = 0;
    o->is_dedicated_interrupt = 1;        /* openvmm always sends 1 */
    o->connection_id = relid | (VMBUS_SINT << 12);  /* openvmm vmbus_server/src/lib.rs's formula */
}

static void send_offer(struct hvsim_chan *ch)
{
    struct vmbus_msg_offer o;
    hvsim_make_offer(&o, &ch->ops->class_id, &ch->ops->instance_id, ch->relid);
    o.chn_flags = ch->ops->chn_flags;
    memcpy(o.user_defined, &ch->ops->pipe_mode, 4);
    o.connection_id = ch->conn_id;
    if (hvsim_cfg()->offer_monitor_allocated) {
        o.monitor_allocated = 1;
        o.monitor_id = (uint8_t)(ch->relid % 128);
    }
    if (hvsim_cfg()->offer_shared_interrupt)
        o.is_dedicated_interrupt = 0;
    hvsim_send_vmbus(&o, sizeof o);
    ch->offered = true;
    hvsim_note("-> OFFERCHANNEL relid %u (%s)", ch->relid, ch->ops->name);
}

struct hvsim_chan *hvsim_add_device(const struct hvsim_dev_ops *ops, void *priv, uint32_t relid)
{
    if (vb.nchans >= HVSIM_MAX_CHANS)
        return NULL;
    if (!relid) {
        relid = 1;
        while (hvsim_chan_by_relid(relid))
            relid++;
    }
    struct hvsim_chan *ch = calloc(1, sizeof *ch);
    ch->relid = relid;
    ch->conn_id = relid | (VMBUS_SINT << 12);
    ch->ops = ops;
    ch->priv = priv;
    vb.chans[vb.nchans++] = ch;
    if (vb.state == HVS_OFFERS_SENT)
        send_offer(ch);                   /* hot add */
    return ch;
}

/* openvmm channels.rs revoke(): the channel leaves service at once (the
 * device side closes even if the guest still has it open); its accepted
 * GPADLs stay until the guest tears them down or releases the relid; a
 * CLOSECHANNEL or OPENCHANNEL for it is ignored from now on. */
void hvsim_rescind(struct hvsim_chan *ch)
{
    if (ch->rescinded)
        return;
    ch->rescinded = true;
    close_chan(ch);
    if (!ch->offered) {
        ch->released = true;
        return;
    }
    struct vmbus_msg_relid m = {{VMBUS_MSG_RESCIND_CHANNELOFFER, 0}, ch->relid};
    hvsim_send_vmbus(&m, sizeof m);
    hvsim_note("-> RESCIND relid %u", ch->relid);
}

/* --- Handlers ------------------------------------------------------------------ */
/* Back to a disconnected host: channels closed and no longer offered,
 * every GPADL dropped (UNLOAD, or a reconnecting INITIATE_CONTACT). */
static void reset_connection(void)
{
    for (size_t i = 0; i < vb.nchans; i++) {
        close_chan(vb.chans[i]);
        vb.chans[i]->offered = false;
    }
    for (size_t i = 0; i < HVSIM_MAX_GPADLS; i++)
        if (vb.gpadls[i].used)
            free_gpadl(&vb.gpadls[i]);
    vb.state = HVS_DISCONNECTED;
    vb.alloffers_in = 0;
    vb.int_page = 0;
}

static void on_initiate_contact(uint32_t conn, const struct vmbus_msg_initiate_contact *m)
{
    const struct hvsim_config *c = hvsim_cfg();
    uint32_t v = m->version;
    bool v5 = v >= VMBUS_VERSION_WIN10_RS3_1;
    if (vb.state != HVS_DISCONNECTED) {
        /* openvmm (vmbus_server channels.rs initiate_contact ->
         * request_disconnect(Reconnect)): a guest that reconnects (after
         * kexec, say) gets every channel released and its GPADLs dropped,
         * then the contact is answered as on a fresh connection. */
        hvsim_note("INITIATE_CONTACT while connected at %#x: the old connection is reset", vb.version);
        reset_connection();
    }
    /* Connection rules (openvmm vmbus_server/src/channels.rs
     * handle_initiate_contact; Linux drivers/hv/connection.c
     * vmbus_negotiate_version): >= 5.0 only through connection 4,
     * older versions through 1. */
    if (v5 ? conn != VMBUS_MSG_CONNECTION_ID_5 : conn != VMBUS_MSG_CONNECTION_ID) {
        hvsim_violate(HVV_MSG_INVALID, "INITIATE_CONTACT %u.%u on connection %u", v >> 16,
                      v & 0xFFFF, conn);
        return;
    }
    struct vmbus_msg_version_response r = {{VMBUS_MSG_VERSION_RESPONSE, 0}, 0, 0, 0, 0};
    if (!host_supports(v)) {
        hvsim_note("INITIATE_CONTACT %u.%u: not supported", v >> 16, v & 0xFFFF);
        hvsim_send_vmbus(&r, sizeof r);
        return;
    }
    r.version_supported = 1;
    const char *bad = NULL;
    if (!m->monitor_page1 != !m->monitor_page2)
        bad = "exactly one monitor page given";
    else if (m->monitor_page1 && (!hvsim_gpa_valid(m->monitor_page1, HVSIM_PAGE) ||
                                  !hvsim_gpa_valid(m->monitor_page2, HVSIM_PAGE) ||
                                  ((m->monitor_page1 | m->monitor_page2) & 0xFFF)))
        bad = "monitor page not a guest page";
    else if (v5 && m->msg_sint != VMBUS_SINT)
        bad = "msg_sint is not 2";
    else if (v5 && m->msg_vtl != 0)
        bad = "msg_vtl is not 0";
    else if (!v5 && m->interrupt_page &&
             (!hvsim_gpa_valid(m->interrupt_page, HVSIM_PAGE) || (m->interrupt_page & 0xFFF)))
        bad = "interrupt page not a guest page";
    else if (v >= VMBUS_VERSION_WIN8_1 && m->target_vcpu != c->vp_index)
        bad = "target_vcpu is not a VP index";
    if (bad) {
        hvsim_violate(HVV_MSG_INVALID, "INITIATE_CONTACT %u.%u: %s", v >> 16, v & 0xFFFF, bad);
        r.connection_state = 2;           /* FAILED_UNKNOWN_FAILURE */
        hvsim_send_vmbus(&r, sizeof r);
        return;
    }
    /* openvmm puts msg_conn_id for 5.0+, the version itself below. */
    r.msg_conn_id = v5 ? c->msg_conn_id : v;
    r.connection_state = c->version_conn_state;
    vb.state = HVS_CONNECTED;
    vb.version = v;
    vb.int_page = v5 ? 0 : m->interrupt_page;
    hvsim_note("connected at %u.%u", v >> 16, v & 0xFFFF);
    hvsim_send_vmbus(&r, sizeof r);
}

static void on_request_offers(void)
{
    if (vb.state != HVS_CONNECTED) {
        hvsim_violate(HVV_MSG_STATE, "REQUESTOFFERS %s",
                      vb.state == HVS_DISCONNECTED ? "before INITIATE_CONTACT" : "twice");
        return;
    }
    for (size_t i = 0; i < vb.nchans; i++)
        if (!vb.chans[i]->rescinded && !vb.chans[i]->released)
            send_offer(vb.chans[i]);
    vb.state = HVS_OFFERS_SENT;
    if (hvsim_cfg()->no_alloffers)
        return;
    if (hvsim_cfg()->alloffers_delay) {
        vb.alloffers_in = hvsim_cfg()->alloffers_delay;
        return;
    }
    struct vmbus_msg_hdr done = {VMBUS_MSG_ALLOFFERS_DELIVERED, 0};
    hvsim_send_vmbus(&done, sizeof done);
}

/* A channel the guest may refer to: offered to it and not yet released. */
static struct hvsim_chan *guest_chan(uint32_t relid, const char *what)
{
    struct hvsim_chan *ch = hvsim_chan_by_relid(relid);
    if (!ch || !ch->offered) {
        hvsim_violate(HVV_CHANNEL, "%s: relid %u was never offered", what, relid);
        return NULL;
    }
    return ch;
}

static void gpadl_created(uint32_t relid, uint32_t handle, uint32_t status)
{
    struct vmbus_msg_gpadl_created r = {{VMBUS_MSG_GPADL_CREATED, 0}, relid, handle, status};
    hvsim_send_vmbus(&r, sizeof r);
}

static void gpadl_fail(struct gpadl *g, const char *why)
{
    hvsim_violate(HVV_GPADL, "GPADL %#x (relid %u): %s", g->handle, g->relid, why);
    gpadl_created(g->relid, g->handle, GPADL_FAIL_STATUS);
    free_gpadl(g);
}

/* All range data is in: parse the ranges and check every PFN (openvmm
 * vmbus_server/src/channels.rs handle_gpadl_header/body). */
static void gpadl_finish(struct gpadl *g)
{
    size_t pos = 0, total = 0;
    uint64_t *pfns = NULL;
    char why[160];
    for (unsigned r = 0; r < g->range_count; r++) {
        if (pos + 8 > g->range_buflen) {
            snprintf(why, sizeof why, "range %u header past range_buflen %u", r, g->range_buflen);
            goto bad;
        }
        uint32_t count, off;
        memcpy(&count, g->buf + pos, 4);
        memcpy(&off, g->buf + pos + 4, 4);
        pos += 8;
        if (count == 0 || off >= HVSIM_PAGE) {
            snprintf(why, sizeof why, "range %u: byte_count %u byte_offset %u", r, count, off);
            goto bad;
        }
        size_t n = ((uint64_t)off + count + HVSIM_PAGE - 1) / HVSIM_PAGE;
        if (pos + 8 * n > g->range_buflen) {
            snprintf(why, sizeof why, "range %u needs %zu PFNs, range_buflen %u too short", r, n,
                     g->range_buflen);
            goto bad;
        }
        pfns = realloc(pfns, (total + n) * sizeof *pfns);
        memcpy(pfns + total, g->buf + pos, 8 * n);
        for (size_t i = 0; i < n; i++) {
            uint64_t pfn = pfns[total + i];
            if (pfn > (UINT64_MAX >> 12) || !hvsim_gpa_valid(pfn << 12, HVSIM_PAGE)) {
                snprintf(why, sizeof why, "range %u PFN[%zu] %#llx not guest memory", r, i,
                         (unsigned long long)pfn);
                hvsim_violate(HVV_MEM, "GPADL %#x: PFN %#llx outside guest memory", g->handle,
                              (unsigned long long)pfn);
                goto bad;
            }
        }
        if (r == 0) {
            g->byte_count = count;
            g->byte_offset = off;
        }
        pos += 8 * n;
        total += n;
    }
    if (pos != g->range_buflen) {
        snprintf(why, sizeof why, "range_buflen %u but ranges use %zu bytes", g->range_buflen, pos);
        goto bad;
    }
    g->pfn = pfns;
    g->npfn = total;
    g->single_range = g->range_count == 1;
    g->complete = true;
    free(g->buf);
    g->buf = NULL;
    hvsim_note("GPADL %#x: %zu pages", g->handle, total);
    gpadl_created(g->relid, g->handle, 0);
    return;
bad:
    free(pfns);
    gpadl_fail(g, why);
}

static void on_gpadl_header(const uint8_t *msg, uint32_t len)
{
    struct vmbus_msg_gpadl_header h;
    memcpy(&h, msg, sizeof h);
    if (vb.state == HVS_DISCONNECTED) {
        hvsim_violate(HVV_MSG_STATE, "GPADL_HEADER before the connection");
        return;
    }
    if ((len - sizeof h) % 8) {
        hvsim_violate(HVV_MSG_SIZE, "GPADL_HEADER of %u bytes: not 28 + 8n", len);
        return;
    }
    if (!guest_chan(h.child_relid, "GPADL_HEADER"))
        return;
    if (h.gpadl == 0 || gpadl_find(h.gpadl)) {
        hvsim_violate(HVV_GPADL, "GPADL_HEADER: handle %#x is %s", h.gpadl,
                      h.gpadl ? "already in use" : "zero");
        return;
    }
    uint32_t carried = len - 20;          /* range data from byte 20 */
    if (carried > h.range_buflen && h.range_buflen % 8 == 0) {
        /* openvmm (vmbus_server channels.rs Gpadl::append) keeps only what
         * range_buflen announced: some clients (UEFI) always send whole
         * messages. */
        hvsim_note("GPADL_HEADER %#x: %u range bytes past range_buflen %u ignored", h.gpadl,
                   carried - h.range_buflen, h.range_buflen);
        carried = h.range_buflen;
    }
    if (h.range_count == 0 || h.range_buflen % 8 || carried > h.range_buflen) {
        hvsim_violate(HVV_GPADL, "GPADL_HEADER %#x: range_count %u range_buflen %u, %u bytes sent",
                      h.gpadl, h.range_count, h.range_buflen, carried);
        gpadl_created(h.child_relid, h.gpadl, GPADL_FAIL_STATUS);
        return;
    }
    struct gpadl *g = NULL;
    for (size_t i = 0; i < HVSIM_MAX_GPADLS && !g; i++)
        if (!vb.gpadls[i].used)
            g = &vb.gpadls[i];
    if (!g) {
        gpadl_created(h.child_relid, h.gpadl, GPADL_FAIL_STATUS);
        return;
    }
    g->used = true;
    g->handle = h.gpadl;
    g->relid = h.child_relid;
    g->range_buflen = h.range_buflen;
    g->range_count = h.range_count;
    g->buf = calloc(1, h.range_buflen);
    memcpy(g->buf, msg + 20, carried);
    g->got = carried;
    if (g->got == g->range_buflen)
        gpadl_finish(g);
}

static void on_gpadl_body(const uint8_t *msg, uint32_t len)
{
    struct vmbus_msg_gpadl_body b;
    memcpy(&b, msg, sizeof b);
    if ((len - sizeof b) % 8 || len == sizeof b) {
        hvsim_violate(HVV_MSG_SIZE, "GPADL_BODY of %u bytes: not 16 + 8n, n >= 1", len);
        return;
    }
    struct gpadl *g = gpadl_find(b.gpadl);
    if (!g || g->complete) {
        /* Bodies carry no relid: nothing to answer (openvmm drops them). */
        hvsim_violate(HVV_GPADL, "GPADL_BODY for %s handle %#x", g ? "completed" : "unknown",
                      b.gpadl);
        return;
    }
    uint32_t n = len - sizeof b;
    if (g->got + n > g->range_buflen) {     /* the tail is ignored, as in openvmm Gpadl::append */
        hvsim_note("GPADL_BODY %#x: %u bytes past range_buflen ignored", g->handle,
                   g->got + n - g->range_buflen);
        n = g->range_buflen - g->got;
    }
    memcpy(g->buf + g->got, msg + sizeof b, n);
    g->got += n;
    if (g->got == g->range_buflen)
        gpadl_finish(g);
}

static void open_result(uint32_t relid, uint32_t open_id, uint32_t status)
{
    struct vmbus_msg_open_result r = {{VMBUS_MSG_OPENCHANNEL_RESULT, 0}, relid, open_id, status};
    hvsim_send_vmbus(&r, sizeof r);
}

static void on_open_channel(const struct vmbus_msg_open_channel *m)
{
    if (vb.state == HVS_DISCONNECTED) {
        hvsim_violate(HVV_MSG_STATE, "OPENCHANNEL before the connection");
        return;
    }
    struct hvsim_chan *ch = guest_chan(m->child_relid, "OPENCHANNEL");
    if (!ch)
        return;
    const char *bad = NULL;
    struct gpadl *g = gpadl_find(m->ring_gpadl);
    uint32_t off = m->downstream_page_offset;
    if (ch->rescinded) {
        hvsim_note("OPENCHANNEL for rescinded relid %u ignored", ch->relid);
        return;
    }
    if (ch->open) {
        /* openvmm (vmbus_server channels.rs) answers an OPENCHANNEL for an
         * open channel with nothing; no documented Hyper-V behaviour says
         * more. The guest waits in vain, which its tests see. */
        hvsim_note("OPENCHANNEL for open relid %u: no answer", ch->relid);
        return;
    }
    if (!g || !g->complete)
        bad = "ring GPADL unknown or incomplete";
    else if (g->relid != ch->relid)
        bad = "ring GPADL belongs to another channel";
    else if (!g->single_range || g->byte_offset != 0 || g->byte_count % HVSIM_PAGE)
        bad = "ring GPADL is not whole pages in one range";
    else if (off < 2 || off > g->npfn || g->npfn - off < 2)
        bad = "downstream_page_offset leaves a ring under 2 pages";
    else if (m->target_vp != hvsim_cfg()->vp_index)
        bad = "target_vp is not a VP index";
    if (bad) {
        hvsim_violate(HVV_CHANNEL, "OPENCHANNEL relid %u gpadl %#x offset %u: %s", m->child_relid,
                      m->ring_gpadl, off, bad);
        open_result(m->child_relid, m->open_id, OPEN_FAIL_STATUS);
        return;
    }
    uint8_t *pages[g->npfn];
    for (size_t i = 0; i < g->npfn; i++)
        pages[i] = hvsim_gpa_ptr(g->pfn[i] << 12, HVSIM_PAGE);
    hs_ring_setup(&ch->g2h, pages, off);
    hs_ring_setup(&ch->h2g, pages + off, (uint32_t)(g->npfn - off));
    int status = ch->ops->on_open ? ch->ops->on_open(ch, m->user_data) : 0;
    if (status) {
        free(ch->g2h.pg);
        free(ch->h2g.pg);
        memset(&ch->g2h, 0, sizeof ch->g2h);
        memset(&ch->h2g, 0, sizeof ch->h2g);
        open_result(m->child_relid, m->open_id, (uint32_t)status);
        return;
    }
    ch->open = true;
    ch->ring_gpadl = m->ring_gpadl;
    hs_chan_rings_open(ch);
    hvsim_note("relid %u open: %u + %zu ring pages", ch->relid, off, g->npfn - off);
    open_result(m->child_relid, m->open_id, 0);
}

static void on_close_channel(const struct vmbus_msg_relid *m)
{
    struct hvsim_chan *ch = guest_chan(m->child_relid, "CLOSECHANNEL");
    if (ch)
        ch->closes++;
    if (ch && ch->released)
        hvsim_violate(HVV_CHANNEL, "CLOSECHANNEL relid %u after RELID_RELEASED", ch->relid);
    if (!ch || ch->rescinded)             /* ignored after a rescind (openvmm) */
        return;
    if (!ch->open) {
        hvsim_violate(HVV_CHANNEL, "CLOSECHANNEL relid %u: not open", m->child_relid);
        return;
    }
    close_chan(ch);
}

static void on_gpadl_teardown(const struct vmbus_msg_gpadl_teardown *m)
{
    struct gpadl *g = gpadl_find(m->gpadl);
    if (!g || !g->complete || g->relid != m->child_relid) {
        hvsim_violate(HVV_GPADL, "GPADL_TEARDOWN relid %u handle %#x: %s", m->child_relid, m->gpadl,
                      !g ? "unknown handle" : !g->complete ? "still being created"
                                                           : "belongs to another relid");
        return;
    }
    struct hvsim_chan *ch = hvsim_chan_by_relid(g->relid);
    if (ch && ch->open && ch->ring_gpadl == g->handle) {
        hvsim_violate(HVV_GPADL, "GPADL_TEARDOWN %#x while relid %u uses it as its ring", g->handle,
                      ch->relid);
        return;
    }
    free_gpadl(g);
    struct vmbus_msg_gpadl_torndown r = {{VMBUS_MSG_GPADL_TORNDOWN, 0}, m->gpadl};
    hvsim_send_vmbus(&r, sizeof r);
}

/* Allowed for a closed or rescinded channel (openvmm handle_rel_id_released:
 * an error while open or opening); remaining GPADLs of the channel go with
 * it. */
static void on_relid_released(const struct vmbus_msg_relid *m)
{
    struct hvsim_chan *ch = guest_chan(m->child_relid, "RELID_RELEASED");
    if (!ch)
        return;
    if (ch->open) {
        hvsim_violate(HVV_CHANNEL, "RELID_RELEASED relid %u while open", ch->relid);
        return;
    }
    for (size_t i = 0; i < HVSIM_MAX_GPADLS; i++)
        if (vb.gpadls[i].used && vb.gpadls[i].relid == ch->relid)
            free_gpadl(&vb.gpadls[i]);
    ch->released = true;
}

static void on_unload(void)
{
    if (vb.state == HVS_DISCONNECTED) {
        hvsim_violate(HVV_MSG_STATE, "UNLOAD while not connected");
        return;
    }
    reset_connection();
    vb.unloads++;
    struct vmbus_msg_hdr r = {VMBUS_MSG_UNLOAD_RESPONSE, 0};
    hvsim_send_vmbus(&r, sizeof r);
}

/* Sizes of guest->host messages (Linux include/linux/hyperv.h, openvmm
 * vmbus_core/src/protocol.rs); shorter is refused, longer tolerated; 0 =
 * variable, checked by the handler; -1 = not a guest->host message. */
static int g2h_size(uint32_t type)
{
    switch (type) {
    case VMBUS_MSG_REQUESTOFFERS: return 8;
    case VMBUS_MSG_OPENCHANNEL: return sizeof(struct vmbus_msg_open_channel);
    case VMBUS_MSG_CLOSECHANNEL: return sizeof(struct vmbus_msg_relid);
    case VMBUS_MSG_GPADL_HEADER: return 0;
    case VMBUS_MSG_GPADL_BODY: return 0;
    case VMBUS_MSG_GPADL_TEARDOWN: return sizeof(struct vmbus_msg_gpadl_teardown);
    case VMBUS_MSG_RELID_RELEASED: return sizeof(struct vmbus_msg_relid);
    case VMBUS_MSG_INITIATE_CONTACT: return sizeof(struct vmbus_msg_initiate_contact);
    case VMBUS_MSG_UNLOAD: return 8;
    default: return -1;
    }
}

void hvsim_vmbus_on_post(uint32_t conn, const uint8_t *msg, uint32_t len)
{
    struct vmbus_msg_hdr h;
    if (hvsim_cfg()->silent)
        return;
    if (len < sizeof h) {
        hvsim_violate(HVV_MSG_SIZE, "channel message of %u bytes (< header)", len);
        return;
    }
    memcpy(&h, msg, sizeof h);
    int want = g2h_size(h.type);
    const char *name = h.type < VMBUS_MSG_COUNT ? msg_names[h.type] : "?";
    if (want < 0) {
        hvsim_violate(HVV_MSG_INVALID, "message type %u (%s) is not a guest->host message", h.type,
                      name);
        return;
    }
    /* openvmm (vmbus_core/src/protocol/macros.rs parse) reads each message
     * with read_from_prefix: a short one is refused, a longer one is taken
     * with its tail ignored, and the header's padding is never looked at.
     * Nothing documented about Hyper-V says more, so neither is refused
     * here; both are noted. */
    if ((want && len < (uint32_t)want) ||
        (h.type == VMBUS_MSG_GPADL_HEADER && len < sizeof(struct vmbus_msg_gpadl_header)) ||
        (h.type == VMBUS_MSG_GPADL_BODY && len < sizeof(struct vmbus_msg_gpadl_body))) {
        hvsim_violate(HVV_MSG_SIZE, "%s of %u bytes (expected %d)", name, len, want);
        return;
    }
    if (want && len > (uint32_t)want)
        hvsim_note("%s of %u bytes: the %u bytes past %d ignored", name, len, len - (uint32_t)want, want);
    if (h.padding)
        hvsim_note("%s: header padding %#x ignored", name, h.padding);
    hvsim_note("<- %s (%u bytes, connection %u)", name, len, conn);
    if (h.type == VMBUS_MSG_INITIATE_CONTACT) {
        struct vmbus_msg_initiate_contact m;
        memcpy(&m, msg, sizeof m);
        on_initiate_contact(conn, &m);
        return;
    }
    if (vb.state == HVS_DISCONNECTED) {
        hvsim_violate(HVV_MSG_STATE, "%s before a successful INITIATE_CONTACT", name);
        return;
    }
    uint32_t want_conn = vb.version >= VMBUS_VERSION_WIN10_RS3_1 ? hvsim_cfg()->msg_conn_id
                                                                 : VMBUS_MSG_CONNECTION_ID;
    if (conn != want_conn) {
        hvsim_violate(HVV_MSG_INVALID, "%s on connection %u; version %#x expects %u", name, conn,
                      vb.version, want_conn);
        return;
    }
    union {
        struct vmbus_msg_open_channel open;
        struct vmbus_msg_relid relid;
        struct vmbus_msg_gpadl_teardown td;
    } u;
    memcpy(&u, msg, len < sizeof u ? len : sizeof u);
    switch (h.type) {
    case VMBUS_MSG_REQUESTOFFERS: on_request_offers(); break;
    case VMBUS_MSG_OPENCHANNEL: on_open_channel(&u.open); break;
    case VMBUS_MSG_CLOSECHANNEL: on_close_channel(&u.relid); break;
    case VMBUS_MSG_GPADL_HEADER: on_gpadl_header(msg, len); break;
    case VMBUS_MSG_GPADL_BODY: on_gpadl_body(msg, len); break;
    case VMBUS_MSG_GPADL_TEARDOWN: on_gpadl_teardown(&u.td); break;
    case VMBUS_MSG_RELID_RELEASED: on_relid_released(&u.relid); break;
    case VMBUS_MSG_UNLOAD: on_unload(); break;
    default: break;
    }
}

/* A channel offered without a dedicated interrupt is told apart by its
 * bit in the second half of the interrupt page (Linux
 * drivers/hv/connection.c vmbus_set_event): the host test-and-clears it.
 * A signal without the bit is lost to the channel. */
static bool shared_interrupt_bit(struct hvsim_chan *ch)
{
    if (!hvsim_cfg()->offer_shared_interrupt || !vb.int_page)
        return true;
    uint64_t *w = hvsim_gpa_ptr(vb.int_page + VMBUS_INT_PAGE_SEND_OFFSET + ch->relid / 64 * 8, 8);
    uint64_t bit = 1ull << (ch->relid % 64);
    if (w && (__atomic_fetch_and(w, ~bit, __ATOMIC_SEQ_CST) & bit)) {
        ch->st.shared_int_bits++;
        return true;
    }
    ch->st.guest_signals++;
    hvsim_violate(HVV_SIGNAL_LOST, "relid %u: signal without its bit in the interrupt page "
                  "(is_dedicated_interrupt = 0)", ch->relid);
    return false;
}

bool hvsim_vmbus_on_signal(uint32_t conn)
{
    for (size_t i = 0; i < vb.nchans; i++) {
        struct hvsim_chan *ch = vb.chans[i];
        if (ch->conn_id != conn || ch->released || !ch->offered)
            continue;
        if (ch->rescinded) {                /* a race with the rescind: harmless */
            ch->st.guest_signals++;
            return true;
        }
        if (!ch->open) {
            ch->st.guest_signals++;
            ch->st.guest_signals_needless++;
            hvsim_violate(HVV_SIGNAL_NEEDLESS, "signal on relid %u, which is not open", ch->relid);
            return true;
        }
        if (!shared_interrupt_bit(ch))
            return true;
        hs_chan_guest_signal(ch);
        return true;
    }
    return false;
}

bool hvsim_vmbus_step(void)
{
    bool progress = false;
    if (vb.alloffers_in && --vb.alloffers_in == 0) {
        struct vmbus_msg_hdr done = {VMBUS_MSG_ALLOFFERS_DELIVERED, 0};
        hvsim_send_vmbus(&done, sizeof done);
        progress = true;
    }
    for (size_t i = 0; i < vb.nchans; i++) {
        struct hvsim_chan *ch = vb.chans[i];
        if (!ch->open)
            continue;
        if (ch->ops->on_step)
            ch->ops->on_step(ch);
        progress |= hs_chan_step(ch);
    }
    return progress;
}
