/* netvsc: Hyper-V's synthetic network adapter.
 *
 * What it is: the NIC every Hyper-V and Azure VM gets, a VMBus channel of
 * class f8615163-df3e-46c5-913f-f2d2f965ed0e instead of an emulated PCI
 * card. Three protocols are stacked on the channel, one file each:
 *
 *   netvsc.c        this file: the VMBus driver and the struct netdev the
 *                   network stack sees (lwIP and every app work unchanged;
 *                   `net` lists it as "netvsc")
 *   netvsc_rndis.c  RNDIS: the NIC's control requests, status indications
 *                   and the packet message wrapping each Ethernet frame
 *   netvsc_nvsp.c   NVSP: version, the shared receive and send buffers, and
 *                   the packets that carry RNDIS messages both ways
 *
 * A frame sent: lwIP -> netvsc_xmit -> RNDIS PACKET header + frame copied
 * into a send-buffer section -> NVSP SEND_RNDIS_PKT {section} in the ring
 * -> the host's completion frees the section. A frame received: the host
 * writes an RNDIS PACKET into the receive buffer -> transfer-page packet
 * -> netvsc_on_event -> netvsc_rndis_rx -> netdev_rx -> completion back.
 * docs/hyperv.md ("netvsc") walks both with a real trace.
 *
 * There is no public specification: the wire facts come from Linux
 * drivers/net/hyperv/ (netvsc.c, rndis_filter.c, hyperv_net.h), FreeBSD
 * sys/dev/hyperv/netvsc/ and Microsoft's host in openvmm
 * vm/devices/net/netvsp/; Microsoft's RNDIS specification for RNDIS. Each
 * layer cites the files its facts come from.
 *
 * Run it: on Hyper-V (Gen1 or Gen2 VM, the default "Network Adapter"),
 * boot minnow; `trace=netvsc` prints every NVSP and RNDIS message. Off
 * Hyper-V, `make test-hv` runs these sources against the strict host
 * simulator (tests/hvsim/hvsim_netvsc.c), and the system case
 * netvsc-e2e-tap-curl serves real curl through them, lwIP and httpd
 * (tests/hvsim/e2e/, `make e2e-netvsc`; as root). */
#include "hv/netvsc_var.h"
#include "hv/nvsp_reg.h"
#include "hv/rndis_reg.h"
#include "hv/hv_platform.h"
#include "kernel/errno.h"
#include "kernel/console/kprintf.h"
#include "kernel/core/trace.h"
#include "lib/fmt.h"
#include "lib/string.h"
#include "lib/strlist.h"

TRACE_FLAG(netvsc, "Hyper-V synthetic NIC: NVSP and RNDIS messages, decoded");

void netvsc_err(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    hv_verr("netvsc: ", fmt, ap);
    va_end(ap);
}

/* --- trace=netvsc ----------------------------------------------------------------- */

static const char *nvsp_name(uint32_t t)
{
    /* NVSP_MSG1_* in order (lib/strlist.h) */
    static const char v1[] = "SEND_NDIS_VER\0SEND_RECV_BUF\0RECV_BUF_COMPLETE\0REVOKE_RECV_BUF\0SEND_SEND_BUF\0"
                             "SEND_BUF_COMPLETE\0REVOKE_SEND_BUF\0SEND_RNDIS_PKT\0RNDIS_PKT_COMPLETE";
    if (t == NVSP_MSG_INIT)
        return "INIT";
    if (t == NVSP_MSG_INIT_COMPLETE)
        return "INIT_COMPLETE";
    if (t >= NVSP_MSG1_SEND_NDIS_VER && t <= NVSP_MSG1_SEND_RNDIS_PKT_COMPLETE)
        return strlist_nth(v1, t - NVSP_MSG1_SEND_NDIS_VER);
    return t == NVSP_MSG2_SEND_NDIS_CONFIG ? "SEND_NDIS_CONFIG" : "?";
}

/* One line: the type's name and the three words after it. */
void netvsc_trace_nvsp(const char *dir, const void *msg, size_t len)
{
    if (!trace_netvsc || len < 4)
        return;
    uint32_t w[4] = { 0 };
    memcpy(w, msg, len < sizeof w ? len : sizeof w);
    TRACE(netvsc, "%s NVSP %s (%u) %#x %#x %#x\n", dir, nvsp_name(w[0]), w[0], w[1], w[2], w[3]);
}

static const char *rndis_name(uint32_t t)
{
    t &= ~RNDIS_MSG_CMPLT;          /* RNDIS_MSG_* 1 to 8 (lib/strlist.h) */
    return strlist_nth("?\0PACKET\0INITIALIZE\0HALT\0QUERY\0SET\0RESET\0INDICATE_STATUS\0KEEPALIVE", t <= 8 ? t : 0);
}

/* One line: type, length, and the words that say most (request id and
 * OID or status; a packet's data length and per-packet info length). */
void netvsc_trace_rndis(const char *dir, const void *msg, size_t len)
{
    if (!trace_netvsc || len < 8)
        return;
    uint32_t w[8] = { 0 };
    memcpy(w, msg, len < sizeof w ? len : sizeof w);
    const char *c = w[0] & RNDIS_MSG_CMPLT ? "_CMPLT" : "";
    if (w[0] == RNDIS_MSG_PACKET)
        TRACE(netvsc, "%s RNDIS PACKET len %u: frame of %u at %u, ppi at %u\n", dir, w[1], w[3], w[2], w[7]);
    else
        TRACE(netvsc, "%s RNDIS %s%s len %u: %#x %#x %#x\n", dir, rndis_name(w[0]), c, w[1], w[2], w[3], w[4]);
}

/* --- The netdev ------------------------------------------------------------------- */

static int netvsc_xmit(struct netdev *nd, const struct netdev_frame *f)
{
    struct netvsc *nv = nd->priv;
    if (!nv->up)
        return -EIO;
    int err = netvsc_rndis_xmit(nv, f);
    if (err == -EAGAIN || err == -EBUSY)
        return -EBUSY;                  /* ring or buffers full: the stack retries */
    if (err) {
        nd->stats.tx_dropped++;
        return -EIO;
    }
    nd->stats.tx_packets++;
    nd->stats.tx_bytes += f->len;
    if (nv->csum_offload && f->flags)
        nd->stats.tx_csum++;
    if (f->done)
        f->done(f->done_arg);           /* copied: the segments are free */
    return 0;
}

static const struct netdev_ops netvsc_ops = { .xmit = netvsc_xmit };

/* --- The VMBus driver ---------------------------------------------------------------- */

static void teardown(struct netvsc *nv)
{
    vmbus_close(nv->ch);
    netvsc_nvsp_free(nv);
    nv->ch->priv = NULL;
    hvp_free(nv);
}

static int netvsc_probe(struct vmbus_channel *ch)
{
    struct netvsc *nv = hvp_zalloc(sizeof *nv);
    if (!nv)
        return -ENOMEM;
    nv->ch = ch;
    ch->priv = nv;
    int err = vmbus_open(ch, NETVSC_RING_BYTES, NETVSC_RING_BYTES, NULL, 0, netvsc_on_event);
    if (!err && !(err = netvsc_nvsp_connect(nv)))
        err = netvsc_rndis_init(nv);
    struct netdev *nd = &nv->nd;
    bool link = nd->link_up;
    if (!err) {
        nd->link_up = false;            /* reported through netdev_set_link below */
        nd->ops = &netvsc_ops;
        nd->priv = nv;
        nd->driver = "netvsc";
        fmt_snprintf(nd->desc, sizeof nd->desc, "vmbus relid %u nvsp %u.%u", ch->relid, nv->nvsp_ver >> 16,
                     nv->nvsp_ver & 0xFFFF);
        nv->up = true;
        err = netdev_register(nd);
    }
    if (err) {
        netvsc_err("relid %u: not attached (error %d)\n", ch->relid, err);
        netvsc_nvsp_disconnect(nv);
        teardown(nv);
        return err;
    }
    char mac[18];
    netdev_format_mac(nd->mac, mac, sizeof mac);
    pr_info("%s: netvsc %s, mtu %u, NVSP %u.%u, %u x %u-byte send sections%s\n", nd->name, mac, nd->mtu,
            nv->nvsp_ver >> 16, nv->nvsp_ver & 0xFFFF, nv->nsections, nv->section_size,
            nv->csum_offload ? ", checksum offload" : "");
    netdev_set_link(nd, link, nd->speed_mbps);
    return 0;
}

/* The host has read every packet we wrote and completed every send. */
static bool drained(void *arg)
{
    struct netvsc *nv = arg;
    uint32_t unread = 1;
    return !nv->sect_busy && !nv->gpa_busy && vmbus_ring_avail_read(&nv->ch->out, &unread) == 0 && !unread;
}

static void netvsc_remove(struct vmbus_channel *ch)
{
    struct netvsc *nv = ch->priv;
    if (!nv)
        return;
    netdev_unregister(&nv->nd);
    nv->up = false;
    if (!ch->rescinded) {
        /* HALT and the revokes, then the close once the host has read
         * them (Linux rndis_filter_halt_device waits for its sends too). */
        netvsc_rndis_halt(nv);
        netvsc_nvsp_disconnect(nv);
        hvp_wait_until(drained, nv, NETVSC_XACT_MS);
    }
    teardown(nv);
}

VMBUS_DRIVER(netvsc, .name = "netvsc", .probe = netvsc_probe, .remove = netvsc_remove,
             .class_id = VMBUS_GUID(0xf8615163, 0xdf3e, 0x46c5, 0x91, 0x3f, 0xf2, 0xd2, 0xf9, 0x65, 0xed, 0x0e));
