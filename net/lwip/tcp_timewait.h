#pragma once
struct pbuf;
struct netif;
/* LWIP_HOOK_IP4_INPUT: retires a TIME_WAIT block that a new SYN may reopen
 * (RFC 1122 4.2.2.13). Returns 0: the packet always continues. */
int minnow_tcp_timewait_hook(struct pbuf *p, struct netif *inp);
#include <stdint.h>
unsigned long minnow_tcp_timewait_reused(void);

/* Before connect() from a fixed local port with SO_REUSEADDR: retires our
 * own TIME_WAIT block for the same four-tuple when the new connection's
 * ISN is beyond the old one's sequence space (waiting up to 1 s for the
 * ISN clock). Addresses in network order, ports in host order, local_ip
 * 0 for "any". 0, or -EADDRINUSE when a TIME_WAIT block must stay. */
int minnow_tcp_timewait_connect(uint32_t local_ip, uint16_t lport, uint32_t remote_ip, uint16_t rport);
unsigned long minnow_tcp_timewait_reused_connect(void);

/* minnow_tcp_isn (LWIP_HOOK_TCP_ISN) is declared in lwipopts.h. */
