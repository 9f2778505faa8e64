/* netvsc, layer 2: RNDIS over NVSP.
 *
 * Once NVSP is up, the NIC itself speaks Remote NDIS, the USB-era protocol
 * of Microsoft's network driver model: control requests with completions,
 * status indications, and data packets that wrap one Ethernet frame each
 * (hv/rndis_reg.h has the formats and their sources). Bring-up, as Linux
 * drivers/net/hyperv/rndis_filter.c does it:
 *
 *   INITIALIZE {1.0, max 16 KiB}      -> status, messages per transfer, alignment
 *   QUERY MAXIMUM_FRAME_SIZE          -> the MTU
 *   QUERY 802_3_PERMANENT_ADDRESS     -> the MAC
 *   QUERY MEDIA_CONNECT_STATUS        -> link; LINK_SPEED -> its speed
 *   SET TCP_OFFLOAD_PARAMETERS        -> IPv4/TCP/UDP checksums both ways, if
 *                                        the host accepts (else in software)
 *   SET CURRENT_PACKET_FILTER 0x0D    -> frames start to flow (openvmm pends
 *                                        every received frame while it is 0)
 *
 * Control requests travel as NVSP SEND_RNDIS_PKT on the control channel
 * type; their RNDIS completion comes back later in the receive buffer,
 * matched here by request id. (That wait is the one not in vmbus_xact:
 * the answer is not a VMBus completion but data in a transfer-page
 * packet; the NVSP part of the request is a vmbus_xact transaction.)
 *
 * Received messages are read from the shared receive buffer: each header
 * is copied before use and every length and offset is checked against
 * the range the host named (Linux rndis_filter_receive_data,
 * rndis_get_ppi). Frames go up with the checksum verdict of the host's
 * per-packet info; a frame the host found corrupt is dropped and counted. */
#include "hv/netvsc_var.h"
#include "hv/nvsp_reg.h"
#include "hv/rndis_reg.h"
#include "hv/hv_platform.h"
#include "kernel/errno.h"
#include "kernel/console/kprintf.h"
#include "lib/string.h"

/* --- Requests ------------------------------------------------------------------ */

static bool wait_cond(void *arg) { return ((struct netvsc *)arg)->wait.done; }

/* Sends req (its rid at byte 8 is filled in, except RESET's) and waits for
 * the completion of type cmplt; its first bytes land in nv->wait.buf. */
static int rndis_request(struct netvsc *nv, void *req, size_t len, uint32_t cmplt)
{
    uint32_t rid = ++nv->rid ? nv->rid : ++nv->rid;
    if (cmplt != (RNDIS_MSG_RESET | RNDIS_MSG_CMPLT))
        memcpy((uint8_t *)req + RNDIS_BODY, &rid, 4);
    nv->wait.rid = rid;
    nv->wait.type = cmplt;
    nv->wait.done = false;
    int err = netvsc_nvsp_send_ctl(nv, req, len);
    if (!err && hvp_wait_until(wait_cond, nv, NETVSC_XACT_MS))
        err = -ETIMEDOUT;
    nv->wait.type = 0;
    if (err)
        netvsc_err("RNDIS request %#x: error %d\n", ((struct rndis_hdr *)req)->type, err);
    return err;
}

/* The completion's status word (after rid, or at 8 for RESET). */
static int reply_status(struct netvsc *nv, uint32_t at)
{
    uint32_t st;
    memcpy(&st, nv->wait.buf + at, 4);
    return st == RNDIS_STATUS_SUCCESS ? 0 : -EIO;
}

/* QUERY oid: exactly `need` bytes of answer into out (at least, for the
 * host; the rest is ignored). */
static int query(struct netvsc *nv, uint32_t oid, void *out, uint32_t need)
{
    struct rndis_oid_req q = { { RNDIS_MSG_QUERY, sizeof q }, 0, oid, 0, sizeof q - RNDIS_BODY, 0 };
    int err = rndis_request(nv, &q, sizeof q, RNDIS_MSG_QUERY | RNDIS_MSG_CMPLT);
    if (err)
        return err;
    struct rndis_query_cmplt c;
    memcpy(&c, nv->wait.buf, sizeof c);
    uint64_t end = (uint64_t)RNDIS_BODY + c.buf_off + need;
    if (nv->wait.len < sizeof c || c.status != RNDIS_STATUS_SUCCESS || c.buf_len < need ||
        end > nv->wait.len || end > sizeof nv->wait.buf || c.buf_off < sizeof c - RNDIS_BODY) {
        netvsc_err("QUERY %#x: bad reply\n", oid);
        return -EPROTO;
    }
    memcpy(out, nv->wait.buf + RNDIS_BODY + c.buf_off, need);
    return 0;
}

static int set(struct netvsc *nv, uint32_t oid, const void *data, uint32_t len)
{
    struct {
        struct rndis_oid_req r;
        uint8_t data[24];
    } s = { { { RNDIS_MSG_SET, sizeof s.r + len }, 0, oid, len, sizeof s.r - RNDIS_BODY, 0 }, { 0 } };
    memcpy(s.data, data, len);
    int err = rndis_request(nv, &s, sizeof s.r + len, RNDIS_MSG_SET | RNDIS_MSG_CMPLT);
    return err ? err : reply_status(nv, 12);
}

int netvsc_rndis_init(struct netvsc *nv)
{
    struct rndis_init_req q = { { RNDIS_MSG_INIT, sizeof q }, 0, RNDIS_VERSION_MAJOR, RNDIS_VERSION_MINOR,
                                RNDIS_MAX_XFER };
    int err = rndis_request(nv, &q, sizeof q, RNDIS_MSG_INIT | RNDIS_MSG_CMPLT);
    if (err)
        return err;
    struct rndis_init_cmplt c;
    memcpy(&c, nv->wait.buf, sizeof c);
    if (nv->wait.len < sizeof c || c.status != RNDIS_STATUS_SUCCESS) {
        netvsc_err("RNDIS INITIALIZE: status %#x\n", c.status);
        return -EIO;
    }
    nv->max_pkts = c.max_pkts;
    nv->align_shift = c.align_shift;

    uint32_t mtu, link, speed = 0;
    struct netdev *nd = &nv->nd;
    if ((err = query(nv, RNDIS_OID_GEN_MAXIMUM_FRAME_SIZE, &mtu, 4)) ||
        (err = query(nv, RNDIS_OID_802_3_PERMANENT_ADDRESS, nd->mac, 6)) ||
        (err = query(nv, RNDIS_OID_GEN_MEDIA_CONNECT_STATUS, &link, 4)))
        return err;
    if (mtu < 576 || mtu > 9216) {
        netvsc_err("host MTU %u: using 1500\n", mtu);
        mtu = NETDEV_MTU_DEFAULT;
    }
    nd->mtu = (uint16_t)mtu;
    if ((nd->mac[0] & 1) || !(nd->mac[0] | nd->mac[1] | nd->mac[2] | nd->mac[3] | nd->mac[4] | nd->mac[5])) {
        netvsc_err("host MAC is multicast or zero\n");
        return -EPROTO;
    }
    query(nv, RNDIS_OID_GEN_LINK_SPEED, &speed, 4);     /* optional */
    nd->speed_mbps = speed / 10000;
    nd->link_up = link == RNDIS_MEDIA_CONNECTED;

    struct ndis_offload_params op = { .type = NDIS_OBJECT_TYPE_DEFAULT, .revision = NDIS_OFFLOAD_PARAMS_REV1,
                                      .size = NDIS_OFFLOAD_PARAMS_SIZE_1, .ip4_csum = NDIS_OFFLOAD_TX_RX_ENABLED,
                                      .tcp4_csum = NDIS_OFFLOAD_TX_RX_ENABLED,
                                      .udp4_csum = NDIS_OFFLOAD_TX_RX_ENABLED };
    nv->csum_offload = set(nv, RNDIS_OID_TCP_OFFLOAD_PARAMETERS, &op, sizeof op) == 0;
    if (nv->csum_offload)
        nd->offloads = NETDEV_OFF_RX_IPV4_CSUM | NETDEV_OFF_RX_L4_CSUM | NETDEV_OFF_TX_IPV4_CSUM |
                       NETDEV_OFF_TX_L4_CSUM;
    uint32_t filter = RNDIS_FILTER_DIRECTED | RNDIS_FILTER_ALL_MULTICAST | RNDIS_FILTER_BROADCAST;
    return set(nv, RNDIS_OID_GEN_CURRENT_PACKET_FILTER, &filter, 4);
}

void netvsc_rndis_halt(struct netvsc *nv)
{
    struct rndis_rid_msg h = { { RNDIS_MSG_HALT, sizeof h }, ++nv->rid };
    netvsc_nvsp_send(nv, NVSP_CHAN_CONTROL, &h, sizeof h, NULL);    /* no reply */
}

int netvsc_rndis_keepalive(struct netvsc *nv)
{
    struct rndis_rid_msg k = { { RNDIS_MSG_KEEPALIVE, sizeof k }, 0 };
    int err = rndis_request(nv, &k, sizeof k, RNDIS_MSG_KEEPALIVE | RNDIS_MSG_CMPLT);
    return err ? err : reply_status(nv, 12);
}

int netvsc_rndis_reset(struct netvsc *nv)
{
    struct rndis_reset_req r = { { RNDIS_MSG_RESET, sizeof r }, 0 };
    int err = rndis_request(nv, &r, sizeof r, RNDIS_MSG_RESET | RNDIS_MSG_CMPLT);
    return err ? err : reply_status(nv, 8);
}

/* --- Transmit -------------------------------------------------------------------- */

int netvsc_rndis_xmit(struct netvsc *nv, const struct netdev_frame *f)
{
    struct {
        struct rndis_packet p;
        struct rndis_ppi ppi;
        uint32_t csum;
    } h = { 0 };
    uint32_t hlen = sizeof h.p;
    if (nv->csum_offload && f->flags) {
        /* Linux netvsc_xmit: is-IPv4, which checksums, where TCP starts. */
        hlen = sizeof h;
        h.p.ppi_off = sizeof h.p - RNDIS_BODY;
        h.p.ppi_len = sizeof h.ppi + sizeof h.csum;
        h.ppi = (struct rndis_ppi){ sizeof h.ppi + sizeof h.csum, RNDIS_PPI_CSUM, sizeof h.ppi };
        h.csum = RNDIS_CSUM_TX_IPV4 | (f->flags & NETDEV_TX_CSUM_IP ? RNDIS_CSUM_TX_IP_HDR : 0);
        if (f->flags & NETDEV_TX_CSUM_TCP)
            h.csum |= RNDIS_CSUM_TX_TCP | (uint32_t)f->l4_off << RNDIS_CSUM_TX_TCP_OFF_SHIFT;
    }
    h.p.h = (struct rndis_hdr){ RNDIS_MSG_PACKET, hlen + (uint32_t)f->len };
    h.p.data_off = hlen - RNDIS_BODY;
    h.p.data_len = (uint32_t)f->len;
    return netvsc_nvsp_send(nv, NVSP_CHAN_DATA, &h, hlen, f);
}

/* --- Receive ------------------------------------------------------------------------ */

static void bad(struct netvsc *nv, const char *what, uint32_t a, uint32_t b)
{
    nv->st.bad_rndis++;
    netvsc_err("bad RNDIS %s (%u, %u): dropped\n", what, a, b);
}

/* [off, off + len) relative to the body lies inside a message of msg_len. */
static bool body_fits(uint32_t off, uint32_t len, uint32_t msg_len)
{
    return off <= msg_len - RNDIS_BODY && len <= msg_len - RNDIS_BODY - off;
}

/* The checksum verdict in the per-packet info, 0 when none. */
static int packet_csum(struct netvsc *nv, const uint8_t *msg, const struct rndis_packet *p, uint32_t *info)
{
    *info = 0;
    if (!p->ppi_len)
        return 0;
    if (p->ppi_off < sizeof *p - RNDIS_BODY || !body_fits(p->ppi_off, p->ppi_len, p->h.len)) {
        bad(nv, "ppi", p->ppi_off, p->ppi_len);
        return -EPROTO;
    }
    const uint8_t *at = msg + RNDIS_BODY + p->ppi_off;
    for (uint32_t left = p->ppi_len; left >= sizeof(struct rndis_ppi);) {
        struct rndis_ppi e;
        memcpy(&e, at, sizeof e);
        if (e.size < sizeof e || e.size > left || e.off < sizeof e || e.off > e.size) {
            bad(nv, "ppi element", e.size, e.off);
            return -EPROTO;
        }
        if (e.type == RNDIS_PPI_CSUM && e.size - e.off >= 4)
            memcpy(info, at + e.off, 4);
        at += e.size;
        left -= e.size;
    }
    return 0;
}

static void rx_packet(struct netvsc *nv, const uint8_t *msg, uint32_t len)
{
    struct rndis_packet p;
    struct netdev *nd = &nv->nd;
    if (len < sizeof p)
        return bad(nv, "PACKET", len, 0);
    memcpy(&p, msg, sizeof p);
    p.h.len = len;
    if (p.data_off < sizeof p - RNDIS_BODY || !body_fits(p.data_off, p.data_len, len) ||
        p.data_len < NETDEV_ETH_HLEN || p.data_len > nd->mtu + NETDEV_ETH_HLEN + 4u) {
        nd->stats.rx_errors++;
        return bad(nv, "PACKET data", p.data_off, p.data_len);
    }
    uint32_t info;
    if (packet_csum(nv, msg, &p, &info)) {
        nd->stats.rx_errors++;
        return;
    }
    if (info & (RNDIS_CSUM_RX_IP_FAIL | RNDIS_CSUM_RX_TCP_FAIL | RNDIS_CSUM_RX_UDP_FAIL)) {
        nd->stats.rx_csum_bad++;
        return;
    }
    unsigned csum = (info & RNDIS_CSUM_RX_IP_OK ? NETDEV_RX_CSUM_IP_OK : 0) |
                    (info & (RNDIS_CSUM_RX_TCP_OK | RNDIS_CSUM_RX_UDP_OK) ? NETDEV_RX_CSUM_L4_OK : 0);
    if (!nv->up) {
        nd->stats.rx_dropped++;         /* not registered yet */
        return;
    }
    netdev_rx(nd, msg + RNDIS_BODY + p.data_off, p.data_len, csum);
}

static void link(struct netvsc *nv, bool up)
{
    if (nv->up)
        netdev_set_link(&nv->nd, up, nv->nd.speed_mbps ? nv->nd.speed_mbps : 10000);
    else
        nv->nd.link_up = up;            /* netvsc.c reports it at registration */
}

static void rx_indicate(struct netvsc *nv, const uint8_t *msg, uint32_t len)
{
    struct rndis_indicate in;
    if (len < sizeof in)
        return bad(nv, "indication", len, 0);
    memcpy(&in, msg, sizeof in);
    if (in.buf_len && !body_fits(in.buf_off, in.buf_len, len))
        return bad(nv, "indication", in.buf_off, in.buf_len);
    nv->st.indications++;
    if (in.status == RNDIS_STATUS_MEDIA_CONNECT)
        link(nv, true);
    else if (in.status == RNDIS_STATUS_MEDIA_DISCONNECT)
        link(nv, false);
    else if (in.status == RNDIS_STATUS_NETWORK_CHANGE && nv->nd.link_up) {
        link(nv, false);                /* a new network: renew the lease (Linux does the same) */
        link(nv, true);
    }
}

static void rx_cmplt(struct netvsc *nv, const uint8_t *msg, uint32_t type, uint32_t len)
{
    uint32_t rid = 0;
    bool reset = type == (RNDIS_MSG_RESET | RNDIS_MSG_CMPLT);
    if (len < (reset ? sizeof(struct rndis_reset_cmplt) : sizeof(struct rndis_status_cmplt)))
        return bad(nv, "completion", type, len);
    memcpy(&rid, msg + RNDIS_BODY, 4);
    if (nv->wait.type != type || nv->wait.done || (!reset && rid != nv->wait.rid))
        return bad(nv, "completion", type, rid);
    nv->wait.len = len;
    memcpy(nv->wait.buf, msg, len < sizeof nv->wait.buf ? len : sizeof nv->wait.buf);
    nv->wait.done = true;
}

void netvsc_rndis_rx(struct netvsc *nv, const uint8_t *msg, uint32_t avail)
{
    struct rndis_hdr h;
    if (avail < sizeof h)
        return bad(nv, "length", avail, 0);
    memcpy(&h, msg, sizeof h);
    if (h.len < sizeof h || h.len > avail)
        return bad(nv, "length", h.len, avail);
    netvsc_trace_rndis("<-", msg, h.len);
    if (h.type == RNDIS_MSG_PACKET) {
        rx_packet(nv, msg, h.len);
    } else if (h.type == RNDIS_MSG_INDICATE) {
        rx_indicate(nv, msg, h.len);
    } else if (h.type == RNDIS_MSG_KEEPALIVE && h.len >= sizeof(struct rndis_rid_msg)) {
        /* The host checks on us: answer at once. */
        struct rndis_status_cmplt c = { { RNDIS_MSG_KEEPALIVE | RNDIS_MSG_CMPLT, sizeof c }, 0, 0 };
        memcpy(&c.rid, msg + RNDIS_BODY, 4);
        nv->st.keepalives++;
        netvsc_nvsp_send(nv, NVSP_CHAN_CONTROL, &c, sizeof c, NULL);
    } else if ((h.type & RNDIS_MSG_CMPLT) && (h.type & ~RNDIS_MSG_CMPLT) >= RNDIS_MSG_INIT &&
               (h.type & ~RNDIS_MSG_CMPLT) <= RNDIS_MSG_KEEPALIVE) {
        rx_cmplt(nv, msg, h.type, h.len);
    } else {
        bad(nv, "type", h.type, h.len);
    }
}
