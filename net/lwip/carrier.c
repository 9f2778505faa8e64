/* Carrier loss without losing connections: what minnow does when a NIC's
 * link goes down for a while and comes back.
 *
 * lwIP ties routing to its link flag: ip4_route() (core/ipv4/ip4.c) skips
 * a netif whose NETIF_FLAG_LINK_UP is clear, so during a carrier loss
 * every tcp_output() fails with ERR_RTE, and lwip_netconn_do_writemore()
 * (api/api_msg.c) hands that error to the application's blocked send(),
 * which then gives up on the connection. Linux keeps the route while the
 * carrier is down (net/core/link_watch.c only stops the queue): what is
 * sent meanwhile is lost like any frame on a wire, and TCP retransmits it
 * once the link is back (RFC 9293 3.8.1, RFC 6298 for the timer).
 *
 * minnow does the same without patching lwIP:
 *   - lwIP's link flag follows the carrier only until the carrier has
 *     been up once (lwIP's DHCP waits for it: dhcp_start, core/ipv4/
 *     dhcp.c). After that the netif stays "link up" for lwIP whatever the
 *     carrier does, so routes, ARP entries and connections stay;
 *   - a frame sent while the carrier is down is dropped by the glue
 *     (carrier_tx_drop, counted) and reported sent, as a wire loses it:
 *     TCP keeps the segment on its unacked queue and its retransmission
 *     timer runs, where ERR_IF would leave it unsent with no timer;
 *   - when the carrier comes back, carrier_back() does what lwIP's
 *     netif_set_link_up() would (DHCP reconfirms its lease,
 *     dhcp_network_changed, RFC 2131 3.2; a gratuitous ARP announces the
 *     address, RFC 5227 3), and retransmits at once what every TCP
 *     connection on the netif has in flight (tcp_rexmit_rto), instead of
 *     waiting for a timer that backed off while the link was down. */
#include "lwip/dhcp.h"
#include "lwip/etharp.h"
#include "lwip/netif.h"
#include "lwip/tcp.h"
#include "lwip/priv/tcp_priv.h"
#include "net/lwip/carrier.h"

/* Core lock held (tcpip thread). Returns the connections kicked. */
static unsigned carrier_rexmit(struct netif *netif)
{
    unsigned n = 0;
    const ip4_addr_t *addr = netif_ip4_addr(netif);
    if (ip4_addr_isany(addr))
        return 0;
    for (struct tcp_pcb *pcb = tcp_active_pcbs; pcb; pcb = pcb->next) {
        if (!ip4_addr_cmp(ip_2_ip4(&pcb->local_ip), addr) || !pcb->unacked)
            continue;
        /* The first unacked segment goes again now; the rest follow as
         * ACKs open the window (tcp_rexmit_rto requeues them all). */
        tcp_rexmit_rto(pcb);
        n++;
    }
    return n;
}

unsigned carrier_back(struct netif *netif, bool dhcp)
{
    if (dhcp)
        dhcp_network_changed(netif);
    if (!ip4_addr_isany(netif_ip4_addr(netif)))
        etharp_gratuitous(netif);
    return carrier_rexmit(netif);
}
