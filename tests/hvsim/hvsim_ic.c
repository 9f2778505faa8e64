/* hvsim integration services: host sides of heartbeat, shutdown and
 * timesync.
 *
 * Wire facts: openvmm vm/devices/hyperv_ic_protocol/src/lib.rs and
 * vm/devices/hyperv_ic/src/{common,shutdown,timesync}.rs; Linux drivers/hv/hv_util.c, drivers/hv/
 * channel_mgmt.c vmbus_prep_negotiate_resp() and include/linux/hyperv.h
 * (struct icmsg_hdr, the IC class GUIDs); FreeBSD sys/dev/hyperv/
 * utilities/vmbus_icreg.h (the same list as hv/ic_reg.h). Every message
 * is an in-band packet whose payload is a pipe header {flags 1,
 * msgsize}, the 20-byte icmsg_hdr, then the body. The host negotiates first (framework 1.0 and
 * 3.0, then its message versions, as openvmm vm/devices/hyperv_ic/src/
 * common.rs does), then sends requests with flags TRANSACTION|REQUEST and
 * waits for each reply, which must carry TRANSACTION|RESPONSE, the same
 * transaction id, sizes that fit, counts 1/1 and offered versions in a
 * negotiate reply, and sequence + 1 for heartbeat. openvmm has no heartbeat
 * host; ours follows the Linux/FreeBSD guests' view of it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tests/hvsim/hvsim_int.h"

#define PIPE_HDR 8u
#define IC_HDR 20u
#define IC_BODY (PIPE_HDR + IC_HDR)   /* 28, Linux ICMSG_HDR */
#define IC_FLAG_TRANSACTION 0x01
#define IC_FLAG_REQUEST 0x02
#define IC_FLAG_RESPONSE 0x04
#define IC_TYPE_NEGOTIATE 0

#define HB_CLASS HVSIM_GUID(0x57164f39, 0x9115, 0x4e78, 0xab, 0x55, 0x38, 0x2f, 0x3b, 0xd5, 0x42, 0x2d)
#define SD_CLASS HVSIM_GUID(0x0e0b6031, 0x5213, 0x4934, 0x81, 0x8b, 0x38, 0xd9, 0x0c, 0xed, 0x39, 0xdb)
#define TS_CLASS HVSIM_GUID(0x9527e630, 0xd0ae, 0x497b, 0xad, 0xce, 0xe8, 0x0a, 0xb0, 0x17, 0x5c, 0xaf)
/* Instance GUIDs: openvmm's for shutdown and timesync (OV-proto); made up
 * for heartbeat (Hyper-V's is not known). */
#define HB_INST HVSIM_GUID(0xfd149e91, 0x82e0, 0x4a7d, 0xaf, 0xa6, 0x2a, 0x4b, 0xa8, 0x5a, 0x6d, 0x01)
#define SD_INST HVSIM_GUID(0xb6650ff7, 0x33bc, 0x4840, 0x80, 0x48, 0xe0, 0x67, 0x67, 0x86, 0xf3, 0x93)
#define TS_INST HVSIM_GUID(0x2dd1ce17, 0x079e, 0x403c, 0xb3, 0x52, 0xa1, 0x92, 0x1e, 0xe2, 0x07, 0xee)

struct ic_hdr {                     /* icmsg_hdr, 20 bytes */
    uint16_t fw_major, fw_minor;
    uint16_t type;
    uint16_t msg_major, msg_minor;
    uint16_t size;
    uint32_t status;
    uint8_t xact_id;
    uint8_t flags;
    uint8_t reserved[2];
};
_Static_assert(sizeof(struct ic_hdr) == IC_HDR, "icmsg_hdr");

static struct hvsim_chan *ic_chan(struct hvsim_ic *ic);

static void ic_send(struct hvsim_ic *ic, uint16_t type, const void *body, uint16_t body_len)
{
    uint8_t buf[IC_BODY + 2100];
    uint32_t pipe[2] = {1, IC_HDR + body_len};      /* PIPE_PACKET_TYPE_DATA */
    struct ic_hdr h = {0};
    if (type != IC_TYPE_NEGOTIATE) {
        h.fw_major = ic->fw_major;
        h.fw_minor = ic->fw_minor;
        h.msg_major = ic->msg_major;
        h.msg_minor = ic->msg_minor;
    }
    h.type = type;
    h.size = body_len;
    h.flags = IC_FLAG_TRANSACTION | IC_FLAG_REQUEST;
    memcpy(buf, pipe, PIPE_HDR);
    memcpy(buf + PIPE_HDR, &h, IC_HDR);
    memcpy(buf + IC_BODY, body, body_len);
    hvsim_chan_send(ic_chan(ic), VMBUS_PKT_DATA_INBAND, 0, 0, buf, IC_BODY + body_len);
    ic->awaiting = true;
    ic->requests++;
}

static void send_negotiate(struct hvsim_ic *ic)
{
    uint8_t body[8 + 4 * 6] = {0};
    uint16_t counts[2] = {2, (uint16_t)ic->noffer_msg};
    memcpy(body, counts, 4);
    uint16_t v[12] = {1, 0, 3, 0};                  /* framework 1.0, 3.0 */
    for (unsigned i = 0; i < ic->noffer_msg; i++) {
        v[4 + 2 * i] = ic->offer_msg[i][0];
        v[5 + 2 * i] = ic->offer_msg[i][1];
    }
    memcpy(body + 8, v, 4 * (2 + ic->noffer_msg));
    ic_send(ic, IC_TYPE_NEGOTIATE, body, (uint16_t)(8 + 4 * (2 + ic->noffer_msg)));
}

static void bad(struct hvsim_ic *ic, const char *why)
{
    ic->bad_replies++;
    hvsim_violate(HVV_IC, "IC %d reply: %s", ic->kind, why);
}

static void check_negotiate(struct hvsim_ic *ic, const uint8_t *body, uint32_t n)
{
    uint16_t counts[2], v[4];
    if (n < 16) {
        bad(ic, "negotiate reply body under 16 bytes");
        return;
    }
    memcpy(counts, body, 4);
    memcpy(v, body + 8, 8);
    if (counts[0] != 1 || counts[1] != 1) {
        bad(ic, "negotiate reply counts are not 1/1 (no version chosen)");
        return;
    }
    bool fw_ok = (v[0] == 1 || v[0] == 3) && v[1] == 0;
    bool msg_ok = false;
    for (unsigned i = 0; i < ic->noffer_msg; i++)
        msg_ok |= ic->offer_msg[i][0] == v[2] && ic->offer_msg[i][1] == v[3];
    if (!fw_ok || !msg_ok) {
        char b[96];
        snprintf(b, sizeof b, "negotiate chose framework %u.%u message %u.%u, not offered", v[0],
                 v[1], v[2], v[3]);
        bad(ic, b);
        return;
    }
    ic->fw_major = v[0];
    ic->fw_minor = v[1];
    ic->msg_major = v[2];
    ic->msg_minor = v[3];
    ic->negotiated = true;
}

#define BAD(why) do { bad(ic, why); return; } while (0)

static void ic_packet(struct hvsim_chan *ch, const struct vmbus_pkt_desc *d, const uint8_t *p,
                      uint32_t len)
{
    struct hvsim_ic *ic = hvsim_chan_priv(ch);
    uint32_t pipe[2];
    struct ic_hdr h;
    if (d->type != VMBUS_PKT_DATA_INBAND)
        BAD("not an in-band packet");
    if (d->trans_id != 0)
        BAD("descriptor transaction id not echoed (host sent 0)");
    if (len < IC_BODY)
        BAD("shorter than pipe + IC headers");
    memcpy(pipe, p, 8);
    memcpy(&h, p + PIPE_HDR, IC_HDR);
    if (pipe[0] != 1)
        BAD("pipe header flags not 1 (data)");
    if (pipe[1] < IC_HDR || pipe[1] > len - PIPE_HDR)
        BAD("pipe header msgsize runs past the packet");
    if (!(h.flags & IC_FLAG_TRANSACTION) || !(h.flags & IC_FLAG_RESPONSE) || (h.flags & 0xF8))
        BAD("icflags lack TRANSACTION|RESPONSE or have reserved bits");
    if (h.xact_id != 0)
        BAD("ictransaction_id not echoed");
    if (h.size > pipe[1] - IC_HDR)
        BAD("icmsgsize larger than the message");
    if (!ic->awaiting)
        BAD("reply without an outstanding request");
    uint16_t want = ic->negotiated ? (uint16_t)ic->kind : IC_TYPE_NEGOTIATE;
    if (h.type != want)
        BAD("reply type does not match the request");
    ic->awaiting = false;
    ic->replies++;
    ic->last_status = h.status;
    const uint8_t *body = p + IC_BODY;
    uint32_t n = pipe[1] - IC_HDR;
    if (h.type == IC_TYPE_NEGOTIATE) {
        check_negotiate(ic, body, n);
        return;
    }
    if (ic->kind == HVSIM_IC_HEARTBEAT) {
        uint64_t seq;
        if (n < 8)
            BAD("heartbeat reply without seq_num");
        memcpy(&seq, body, 8);
        if (seq != ic->hb_seq + 1)
            BAD("heartbeat seq_num not incremented by 1");
    }
}

static void ic_step(struct hvsim_chan *ch)
{
    struct hvsim_ic *ic = hvsim_chan_priv(ch);
    if (!ic->negotiated && !ic->awaiting && !ic->bad_replies)
        send_negotiate(ic);
}

static int ic_open(struct hvsim_chan *ch, const uint8_t *user_data)
{
    (void)user_data;
    struct hvsim_ic *ic = hvsim_chan_priv(ch);
    ic->negotiated = ic->awaiting = false;
    return 0;
}

#define IC_OPS(name_, cls, inst)                                                \
    { .name = name_, .class_id = cls, .instance_id = inst,                      \
      .chn_flags = VMBUS_OFFER_FLAG_ENUMERATE_DEVICE_INTERFACE |                \
                   VMBUS_OFFER_FLAG_NAMED_PIPE_MODE,                            \
      .pipe_mode = 4, .on_open = ic_open, .on_packet = ic_packet,               \
      .on_step = ic_step }
static const struct hvsim_dev_ops hb_ops = IC_OPS("heartbeat", HB_CLASS, HB_INST);
static const struct hvsim_dev_ops sd_ops = IC_OPS("shutdown", SD_CLASS, SD_INST);
static const struct hvsim_dev_ops ts_ops = IC_OPS("timesync", TS_CLASS, TS_INST);

/* The IC's channel: we keep it by searching (the device list is small). */
static struct hvsim_chan *ic_chan(struct hvsim_ic *ic)
{
    for (uint32_t relid = 1; relid <= VMBUS_MAX_RELID; relid++) {
        struct hvsim_chan *ch = hvsim_chan_by_relid(relid);
        if (ch && hvsim_chan_priv(ch) == ic)
            return ch;
    }
    return NULL;
}

struct hvsim_chan *hvsim_add_ic(struct hvsim_ic *ic, int kind, uint32_t relid)
{
    memset(ic, 0, sizeof *ic);
    ic->kind = kind;
    static const uint16_t hb[][2] = {{1, 0}, {3, 0}};
    static const uint16_t sd[][2] = {{1, 0}, {3, 0}, {3, 1}, {3, 2}};
    static const uint16_t ts[][2] = {{4, 0}};           /* openvmm offers 4.0 only */
    const struct hvsim_dev_ops *ops;
    switch (kind) {
    case HVSIM_IC_HEARTBEAT:
        memcpy(ic->offer_msg, hb, sizeof hb);
        ic->noffer_msg = 2;
        ops = &hb_ops;
        break;
    case HVSIM_IC_SHUTDOWN:
        memcpy(ic->offer_msg, sd, sizeof sd);
        ic->noffer_msg = 4;
        ops = &sd_ops;
        break;
    case HVSIM_IC_TIMESYNC:
        memcpy(ic->offer_msg, ts, sizeof ts);
        ic->noffer_msg = 1;
        ops = &ts_ops;
        break;
    default:
        return NULL;
    }
    return hvsim_add_device(ops, ic, relid);
}

static int ic_ready(struct hvsim_ic *ic)
{
    struct hvsim_chan *ch = ic_chan(ic);
    if (!ch || !hvsim_chan_is_open(ch) || !ic->negotiated)
        return -19;     /* ENODEV */
    return ic->awaiting ? -16 : 0;   /* EBUSY */
}

int hvsim_ic_heartbeat(struct hvsim_ic *ic)
{
    int rc = ic_ready(ic);
    if (rc)
        return rc;
    uint8_t body[40] = {0};         /* seq_num + reserved[8] (Linux size) */
    ic->hb_seq += 0x100;
    memcpy(body, &ic->hb_seq, 8);
    ic_send(ic, HVSIM_IC_HEARTBEAT, body, sizeof body);
    return 0;
}

int hvsim_ic_shutdown(struct hvsim_ic *ic, uint32_t flags)
{
    int rc = ic_ready(ic);
    if (rc)
        return rc;
    static uint8_t body[2060];      /* reason, timeout, flags, message[2048] */
    memset(body, 0, sizeof body);
    uint32_t reason = 0x80000000u;  /* SHTDN_REASON_FLAG_PLANNED (openvmm) */
    memcpy(body, &reason, 4);
    memcpy(body + 8, &flags, 4);
    ic_send(ic, HVSIM_IC_SHUTDOWN, body, sizeof body);
    return 0;
}

int hvsim_ic_timesync(struct hvsim_ic *ic, uint64_t unix_ns, uint8_t flags)
{
    int rc = ic_ready(ic);
    if (rc)
        return rc;
    uint64_t parent = unix_ns / 100 + HVSIM_TIME_1601_DELTA;
    uint8_t body[28] = {0};
    memcpy(body, &parent, 8);
    if (ic->msg_major >= 4) {
        /* ictimesync_ref_data, openvmm's 24 bytes: parent, vm reference
         * time, flags, leap, stratum, reserved[5]. */
        uint64_t ref = hvsim_ref_time();
        memcpy(body + 8, &ref, 8);
        body[16] = flags;
        ic_send(ic, HVSIM_IC_TIMESYNC, body, 24);
    } else {
        /* ictimesync_data: parent, child, rtt, flags (+3 reserved). */
        body[24] = flags;
        ic_send(ic, HVSIM_IC_TIMESYNC, body, 28);
    }
    return 0;
}
