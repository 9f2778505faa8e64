/* Hyper-V integration services: heartbeat, shutdown and time sync.
 *
 * What they are: small VMBus services the host offers to every VM. With
 * them, Hyper-V Manager shows the VM's heartbeat as "OK", "Shut down"
 * powers minnow off cleanly instead of pulling the plug, and the guest's
 * wall clock follows the host's. Each is one channel; the host sends
 * requests, the guest answers every one in place (ic_reg.h has the wire
 * format and the sources).
 *
 * The conversation on each channel:
 *   host: NEGOTIATE {framework versions..., message versions...}
 *   guest: the same packet, counts 1/1, the chosen framework and message
 *          versions, flags transaction|response
 *   host: HEARTBEAT {seq}            guest: seq + 1         (every ~2 s)
 *   host: SHUTDOWN {flags}           guest: status, then powers off
 *   host: TIMESYNC {time, flags}     guest: echo; the clock is set
 *
 * Version choice: the newest version on the host's list that minnow also
 * speaks (Linux walks its own list the same way). When nothing matches,
 * the reply carries counts 0/0, as Linux's does, so the host learns it.
 *
 * Run it: on Hyper-V, nothing to do (the ICs are on by default); here,
 * `make test-hv` runs them against the simulator's host side, and
 * `trace=ic` prints each request and answer. */
#include "hv/hv_platform.h"
#include "hv/hyperv.h"
#include "hv/ic.h"
#include "hv/ic_reg.h"
#include "hv/vmbus.h"
#include "kernel/errno.h"
#include "kernel/console/kprintf.h"
#include "kernel/core/trace.h"
#include "lib/string.h"

TRACE_FLAG(ic, "Hyper-V integration services (heartbeat, shutdown, time sync)");

#define IC_RING_BYTES (16 * 1024)   /* per direction, as Linux and FreeBSD */
#define IC_BUF_BYTES  4096          /* Linux reads IC packets into one page */

struct ic_stats ic_stats;

enum ic_kind { IC_HEARTBEAT, IC_SHUTDOWN, IC_TIMESYNC };

struct ic_service {
    const char *name;
    enum ic_kind kind;
    uint32_t versions[4];           /* message versions, newest first, 0-terminated */
};

static const struct ic_service services[] = {
    [IC_HEARTBEAT] = { "heartbeat", IC_HEARTBEAT, { IC_VER(3, 0), IC_VER(1, 0) } },
    [IC_SHUTDOWN] = { "shutdown", IC_SHUTDOWN, { IC_VER(3, 2), IC_VER(3, 1), IC_VER(3, 0), IC_VER(1, 0) } },
    [IC_TIMESYNC] = { "timesync", IC_TIMESYNC, { IC_VER(4, 0), IC_VER(3, 0), IC_VER(1, 0) } },
};
static const uint32_t frameworks[] = { IC_VER(3, 0), IC_VER(1, 0), 0 };

struct ic_chan {
    const struct ic_service *svc;
    uint32_t framework, msg_version;    /* negotiated; 0 before */
    bool pipe_warned;
};

static uint8_t buf[IC_BUF_BYTES];      /* the worker handles one packet at a time */

static uint32_t ver(struct ic_version v) { return IC_VER(v.major, v.minor); }

/* The first of ours (newest first) that the host offers. */
static uint32_t choose(const uint32_t *ours, const struct ic_version *offered, unsigned n)
{
    for (; *ours; ours++)
        for (unsigned i = 0; i < n; i++)
            if (ver(offered[i]) == *ours)
                return *ours;
    return 0;
}

/* NEGOTIATE: answered in place. Returns false if malformed. */
static bool negotiate(struct ic_chan *c, struct ic_hdr *h, uint8_t *body, size_t body_len)
{
    struct ic_negotiate *n = (struct ic_negotiate *)body;
    if (body_len < sizeof *n)
        return false;
    unsigned fw = n->framework_count, msg = n->msg_count;
    if (!fw || !msg || fw > IC_NEGOTIATE_MAX_VERSIONS || msg > IC_NEGOTIATE_MAX_VERSIONS ||
        sizeof *n + 4 * (size_t)(fw + msg) > body_len)
        return false;
    uint32_t f = choose(frameworks, n->versions, fw);
    uint32_t m = choose(c->svc->versions, n->versions + fw, msg);
    TRACE(ic, "%s: host offers %u framework and %u message versions; chose %u.%u / %u.%u\n", c->svc->name, fw,
          msg, f >> 16, f & 0xFFFF, m >> 16, m & 0xFFFF);
    if (!f || !m) {
        pr_err("ic: %s: no common version (host offers %u framework, %u message versions)\n",
               c->svc->name, fw, msg);
        n->framework_count = n->msg_count = 0;
    } else {
        n->framework_count = n->msg_count = 1;
        n->versions[0] = (struct ic_version){ (uint16_t)(f >> 16), (uint16_t)f };
        n->versions[1] = (struct ic_version){ (uint16_t)(m >> 16), (uint16_t)m };
        c->framework = f;
        c->msg_version = m;
    }
    n->reserved = 0;
    h->msg_size = 16;               /* counts, reserved, two versions */
    return true;
}

/* Wall time from the host's sample: 100 ns units since 1601, plus the
 * reference time that passed since the host took it (v4; Linux does the
 * same with hv_read_reference_counter()). */
/* SYNC sets the clock; a SAMPLE (every 5 s) only when the clock is off by
 * 2 s or more -- minnow's wall clock counts whole seconds, so following
 * every sample would step it back and forth (Linux also treats samples
 * as hints). */
#define SAMPLE_STEP_NS 2000000000ull

static void set_time(uint64_t parent_time, uint64_t vm_ref, bool have_ref, uint8_t flags)
{
    if (parent_time < IC_EPOCH_DELTA_100NS) {
        pr_err("ic: timesync: host time before 1970 (ignored)\n");
        return;
    }
    uint64_t t = parent_time - IC_EPOCH_DELTA_100NS;
    if (have_ref && (hv.features & HV_MSR_TIME_REF_COUNT_AVAILABLE)) {
        uint64_t now = hvp_rdmsr(HV_MSR_TIME_REF_COUNT);
        if (now >= vm_ref && now - vm_ref < 10000000ull)     /* < 1 s: plausible */
            t += now - vm_ref;
    }
    if (t > UINT64_MAX / 100)
        return;
    if (!(flags & IC_TIMESYNC_SYNC)) {
        uint64_t now = hvp_wall_clock_ns(), host = t * 100;
        if ((now > host ? now - host : host - now) < SAMPLE_STEP_NS)
            return;
    }
    hvp_set_wall_clock(t * 100);
    ic_stats.time_syncs++;
    ic_stats.last_time_unix_ns = t * 100;
}

/* One request: validated, answered in place. Returns the reply length, or
 * 0 to send nothing. */
static size_t handle(struct ic_chan *c, size_t len, bool *poweroff, bool *reboot)
{
    struct ic_pipe_hdr *p = (struct ic_pipe_hdr *)buf;
    struct ic_hdr *h = (struct ic_hdr *)(buf + sizeof *p);
    uint8_t *body = buf + IC_HDRS_SIZE;
    if (len < IC_HDRS_SIZE || h->msg_size > len - IC_HDRS_SIZE) {
        pr_err("ic: %s: malformed packet (%zu bytes, IC message size %u) dropped\n", c->svc->name, len,
               len >= IC_HDRS_SIZE ? h->msg_size : 0);
        ic_stats.bad++;
        return 0;
    }
    /* Linux and FreeBSD never parse the pipe header, they echo it; what a
     * Windows host puts there is not documented, so an unexpected one is
     * only reported (once) and the IC header is what counts. */
    if ((p->type != IC_PIPE_TYPE_DATA || p->size > len - sizeof *p) && !c->pipe_warned) {
        pr_warn("ic: %s: unexpected pipe header type %u size %u (%zu bytes); going on\n", c->svc->name,
                p->type, p->size, len);
        c->pipe_warned = true;
    }
    size_t body_len = h->msg_size;
    TRACE(ic, "%s: <- type %u framework %u.%u message %u.%u size %u flags 0x%x\n", c->svc->name, h->type,
          h->framework.major, h->framework.minor, h->msg_version.major, h->msg_version.minor, h->msg_size, h->flags);

    if (h->type == IC_MSG_NEGOTIATE) {
        if (!negotiate(c, h, body, body_len)) {
            pr_err("ic: %s: malformed NEGOTIATE dropped\n", c->svc->name);
            ic_stats.bad++;
            return 0;
        }
    } else if (!c->msg_version) {
        pr_err("ic: %s: message type %u before negotiation (failed)\n", c->svc->name, h->type);
        h->status = IC_E_FAIL;
    } else if (h->type == IC_MSG_HEARTBEAT && c->svc->kind == IC_HEARTBEAT && body_len >= IC_HEARTBEAT_MIN) {
        struct ic_heartbeat *hb = (struct ic_heartbeat *)body;
        hb->seq++;
        ic_stats.heartbeats++;
        TRACE(ic, "heartbeat: seq -> %llu\n", (unsigned long long)hb->seq);
    } else if (h->type == IC_MSG_SHUTDOWN && c->svc->kind == IC_SHUTDOWN && body_len >= IC_SHUTDOWN_MIN) {
        struct ic_shutdown *s = (struct ic_shutdown *)body;
        uint32_t what = s->flags & ~IC_SHUTDOWN_FORCE;
        h->status = IC_S_OK;
        if (what == 0)
            *poweroff = true;
        else if (what == IC_SHUTDOWN_RESTART)
            *reboot = true;
        else
            h->status = IC_E_FAIL;  /* hibernate, or flags we do not know */
        kprintf("ic: host requests %s (flags 0x%x, reason 0x%x)%s\n",
                what == 0 ? "shutdown" : what == IC_SHUTDOWN_RESTART ? "restart" : "hibernate/unknown", s->flags,
                s->reason, h->status ? ": refused" : "");
        ic_stats.shutdowns++;
    } else if (h->type == IC_MSG_TIMESYNC && c->svc->kind == IC_TIMESYNC) {
        if (c->msg_version >= IC_VER(4, 0) && body_len >= IC_TIMESYNC_V4_MIN) {
            struct ic_timesync_v4 *t = (struct ic_timesync_v4 *)body;
            TRACE(ic, "timesync: v4 time %llu ref %llu flags 0x%x\n", (unsigned long long)t->parent_time,
                  (unsigned long long)t->vm_reference_time, t->flags);
            set_time(t->parent_time, t->vm_reference_time, true, t->flags);
        } else if (c->msg_version < IC_VER(4, 0) && body_len >= IC_TIMESYNC_V3_MIN) {
            struct ic_timesync_v3 *t = (struct ic_timesync_v3 *)body;
            TRACE(ic, "timesync: v3 time %llu flags 0x%x\n", (unsigned long long)t->parent_time, t->flags);
            set_time(t->parent_time, 0, false, t->flags);
        } else {
            pr_err("ic: timesync: %zu-byte message too short for version %u.%u\n", body_len,
                   c->msg_version >> 16, c->msg_version & 0xFFFF);
            ic_stats.bad++;
        }
    } else {
        pr_err("ic: %s: unexpected message type %u (%zu bytes): failed\n", c->svc->name, h->type, body_len);
        h->status = IC_E_FAIL;
        ic_stats.bad++;
    }
    if (!(h->flags & IC_FLAG_TRANSACTION))
        return 0;                   /* no answer wanted */
    h->flags = IC_FLAG_TRANSACTION | IC_FLAG_RESPONSE;
    return len;
}

static void ic_event(struct vmbus_channel *ch)
{
    struct ic_chan *c = ch->priv;
    for (int n = 0; n < 64; n++) {     /* bounded; the next event resumes */
        struct vmbus_pkt_desc d;
        size_t len = 0;             /* set on -EMSGSIZE; LTO cannot see it */
        int err = vmbus_recv(ch, buf, sizeof buf, &len, &d);
        if (err == -EAGAIN)
            return;
        if (err == -EMSGSIZE) {
            pr_err("ic: %s: %zu-byte packet larger than %d (dropped)\n", c->svc->name, len, IC_BUF_BYTES);
            ic_stats.bad++;
            continue;
        }
        if (err) {
            ic_stats.bad++;
            return;                 /* corrupt ring: logged by vmbus_recv */
        }
        if (d.type != VMBUS_PKT_DATA_INBAND) {
            pr_err("ic: %s: packet type %u (dropped)\n", c->svc->name, d.type);
            ic_stats.bad++;
            continue;
        }
        bool poweroff = false, reboot = false;
        size_t reply = handle(c, len, &poweroff, &reboot);
        if (reply) {
            err = vmbus_send(ch, VMBUS_PKT_DATA_INBAND, 0, d.trans_id, buf, reply);
            if (err)
                pr_err("ic: %s: reply not sent (error %d)\n", c->svc->name, err);
        }
        /* After the answer, as Linux does: the host learns the request was
         * accepted before the channel goes away. */
        if (poweroff)
            hvp_request_poweroff("Hyper-V shutdown request");
        if (reboot)
            hvp_request_reboot("Hyper-V restart request");
    }
    vmbus_channel_reschedule(ch);   /* more packets than one round: come back */
}

static int ic_probe(struct vmbus_channel *ch, enum ic_kind kind)
{
    struct ic_chan *c = hvp_zalloc(sizeof *c);
    if (!c)
        return -ENOMEM;
    c->svc = &services[kind];
    ch->priv = c;
    int err = vmbus_open(ch, IC_RING_BYTES, IC_RING_BYTES, NULL, 0, ic_event);
    if (err) {
        ch->priv = NULL;
        hvp_free(c);
    }
    return err;
}

static void ic_remove(struct vmbus_channel *ch)
{
    vmbus_close(ch);
    hvp_free(ch->priv);
    ch->priv = NULL;
}

static int heartbeat_probe(struct vmbus_channel *ch) { return ic_probe(ch, IC_HEARTBEAT); }
static int shutdown_probe(struct vmbus_channel *ch) { return ic_probe(ch, IC_SHUTDOWN); }
static int timesync_probe(struct vmbus_channel *ch) { return ic_probe(ch, IC_TIMESYNC); }

VMBUS_DRIVER(ic_heartbeat, .name = "ic-heartbeat", .probe = heartbeat_probe, .remove = ic_remove,
             .class_id = VMBUS_GUID(0x57164f39, 0x9115, 0x4e78, 0xab, 0x55, 0x38, 0x2f, 0x3b, 0xd5, 0x42, 0x2d));
VMBUS_DRIVER(ic_shutdown, .name = "ic-shutdown", .probe = shutdown_probe, .remove = ic_remove,
             .class_id = VMBUS_GUID(0x0e0b6031, 0x5213, 0x4934, 0x81, 0x8b, 0x38, 0xd9, 0x0c, 0xed, 0x39, 0xdb));
VMBUS_DRIVER(ic_timesync, .name = "ic-timesync", .probe = timesync_probe, .remove = ic_remove,
             .class_id = VMBUS_GUID(0x9527e630, 0xd0ae, 0x497b, 0xad, 0xce, 0xe8, 0x0a, 0xb0, 0x17, 0x5c, 0xaf));
