/* Frames that arrive for an address while DHCP is about to bind it.
 *
 * A DHCP client learns its address from the DHCPOFFER but may use it only
 * once the DHCPACK comes (RFC 2131, 3.1, steps 3-5): between the two, lwIP
 * has no address on the netif and ip4_input drops every unicast frame for
 * the offered address, silently. A client that connected as soon as the
 * server (or a port forward) knew the address -- QEMU's user network, a
 * load balancer's health check -- then waits for its SYN retransmission:
 * a second (RFC 6298 2.1) or more, which was most of minnow's time to its
 * first answer with DHCP (docs/boot-time.md, section 3).
 *
 * So in the REQUESTING state, unicast IPv4 frames for the offered address
 * -- all but the DHCP replies themselves, which lwIP takes without an
 * address (UDP port 68) -- are held, a few and for a short time, and fed
 * to ip4_input once the address is bound. If it is not (a DHCPNAK, a new
 * offer, the NIC removed) they are dropped, as they would have been. The
 * alternative, binding the offered address tentatively, would answer for
 * an address that is not yet ours.
 *
 * Runs in lwIP's tcpip thread only (LWIP_HOOK_IP4_INPUT, the netif status
 * callback, a tcpip callback), so the table needs no lock. */
#include "net/lwip/dhcp_hold.h"
#include "lwip/dhcp.h"
#include "lwip/ip4.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/prot/dhcp.h"
#include "lwip/prot/iana.h"
#include "lwip/prot/ip4.h"
#include "lwip/prot/udp.h"
#include "lwip/tcpip.h"
#include "kernel/time/clock.h"

#define HOLD_MAX    8                   /* frames, all netifs */
#define HOLD_MAX_NS 3000000000ull       /* older ones are dropped */

struct held {
    struct pbuf *p;                     /* NULL: free slot */
    struct netif *netif;
    uint64_t at_ns;
};

static struct held held[HOLD_MAX];
static unsigned long replayed;
static bool replay_queued;

unsigned long dhcp_hold_replayed(void) { return replayed; }

static void drop(struct held *h)
{
    pbuf_free(h->p);
    h->p = NULL;
    h->netif = NULL;
}

static bool is_dhcp_reply(const struct pbuf *p, unsigned ihl)
{
    const struct ip_hdr *ip = p->payload;
    if (IPH_PROTO(ip) != IP_PROTO_UDP || p->len < ihl + UDP_HLEN)
        return false;
    const struct udp_hdr *udp = (const struct udp_hdr *)((const u8_t *)p->payload + ihl);
    return udp->dest == PP_HTONS(LWIP_IANA_PORT_DHCP_CLIENT);
}

int dhcp_hold_input(struct pbuf *p, struct netif *netif)
{
    if (!ip4_addr_isany_val(*netif_ip4_addr(netif)))
        return 0;
    struct dhcp *dhcp = netif_dhcp_data(netif);
    if (!dhcp || dhcp->state != DHCP_STATE_REQUESTING || p->len < IP_HLEN)
        return 0;
    const struct ip_hdr *ip = p->payload;
    unsigned ihl = IPH_HL_BYTES(ip);
    if (IPH_V(ip) != 4 || ihl < IP_HLEN || ihl > p->len ||
        !ip4_addr_cmp(&ip->dest, &dhcp->offered_ip_addr) || is_dhcp_reply(p, ihl))
        return 0;
    uint64_t now = clock_ns();
    struct held *slot = NULL;
    for (int i = 0; i < HOLD_MAX; i++) {
        if (held[i].p && now - held[i].at_ns > HOLD_MAX_NS)
            drop(&held[i]);
        if (!held[i].p && !slot)
            slot = &held[i];
    }
    if (!slot)
        return 0;                       /* full: lwIP drops it as before */
    *slot = (struct held){ p, netif, now };
    return 1;
}

/* A tcpip callback, not the status callback itself: ip4_input may answer
 * (a SYN-ACK), which is not for the middle of dhcp_bind. */
static void replay(void *arg)
{
    (void)arg;
    replay_queued = false;
    for (int i = 0; i < HOLD_MAX; i++) {
        if (!held[i].p)
            continue;
        struct netif *netif = held[i].netif;
        if (ip4_addr_isany_val(*netif_ip4_addr(netif)))
            continue;                   /* settled again meanwhile: the next settle decides */
        struct pbuf *p = held[i].p;
        held[i].p = NULL;
        held[i].netif = NULL;
        replayed++;
        ip4_input(p, netif);            /* takes p */
    }
}

void dhcp_hold_forget(struct netif *netif)
{
    for (int i = 0; i < HOLD_MAX; i++)
        if (held[i].p && held[i].netif == netif)
            drop(&held[i]);
}

void dhcp_hold_settle(struct netif *netif)
{
    bool bound = !ip4_addr_isany_val(*netif_ip4_addr(netif)) && netif_is_up(netif);
    struct dhcp *dhcp = netif_dhcp_data(netif);
    bool pending = dhcp && dhcp->state == DHCP_STATE_REQUESTING;
    bool any = false;
    for (int i = 0; i < HOLD_MAX; i++) {
        if (!held[i].p || held[i].netif != netif)
            continue;
        if (bound)
            any = true;
        else if (!pending)
            drop(&held[i]);
    }
    if (any && !replay_queued && tcpip_try_callback(replay, NULL) == ERR_OK)
        replay_queued = true;
}
