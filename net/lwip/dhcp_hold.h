/* Frames for the address a DHCPOFFER named, held until the DHCPACK binds
 * it. See dhcp_hold.c. All calls from lwIP's tcpip thread (core context). */
#pragma once
struct pbuf;
struct netif;

/* From LWIP_HOOK_IP4_INPUT (p->payload is the IPv4 header): 1 when p was
 * held (the hook consumed it), 0 when lwIP goes on with it. */
int dhcp_hold_input(struct pbuf *p, struct netif *netif);
/* On every address change of netif (its status callback) and when it goes
 * away: replays what was held once the address is bound, drops it when
 * the address did not come. */
void dhcp_hold_settle(struct netif *netif);
/* Drops what is held for netif: it is going away. */
void dhcp_hold_forget(struct netif *netif);
/* Frames replayed so far (the status page, the tests). */
unsigned long dhcp_hold_replayed(void);
