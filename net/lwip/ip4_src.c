/* Source addresses a host must not accept from a wire (RFC 1122 3.2.1.3,
 * RFC 6890): minnow drops such IPv4 packets in its input hook
 * (net_ip4_input_hook, net/lwip_netif.c) before lwIP sees them.
 *
 * lwIP 2.1.3's ip4_input (core/ipv4/ip4.c) drops broadcast and multicast
 * sources, but lets 0.0.0.0 through whenever DHCP is built in (a DHCP
 * server must hear clients that have no address yet), and then treats it
 * like any other source: a SYN from 0.0.0.0 got a SYN-ACK (sent to the
 * Ethernet broadcast address). minnow is never a DHCP server, so nothing
 * from 0.0.0.0 is for it. Loopback sources (127/8) must never appear on
 * a network (RFC 1122 3.2.1.3 (g)); 240/4 is reserved (RFC 1112 4) and
 * 255.255.255.255 is the limited broadcast. A directed broadcast of the
 * NIC's own subnet (RFC 1122 3.2.1.3 (d)) is dropped by lwIP too; it is
 * dropped here so that it is counted with the rest. */
#include "lwip/ip4_addr.h"
#include "lwip/netif.h"
#include "net/lwip/ip4_src.h"

bool ip4_src_invalid(const ip4_addr_t *src, const struct netif *inp)
{
    uint32_t a = lwip_ntohl(ip4_addr_get_u32(src));
    uint8_t top = (uint8_t)(a >> 24);
    if (top == 0 || top == 127)
        return true;                    /* "this network", loopback */
    if (top >= 224)
        return true;                    /* multicast 224/4, reserved 240/4, limited broadcast */
    return ip4_addr_isbroadcast(src, inp) != 0;    /* our subnet's broadcast address */
}
