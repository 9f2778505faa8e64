#pragma once
struct pbuf;
struct netif;
/* LWIP_HOOK_IP4_INPUT: retires a TIME_WAIT block that a new SYN may reopen
 * (RFC 1122 4.2.2.13). Returns 0: the packet always continues. */
int minnow_tcp_timewait_hook(struct pbuf *p, struct netif *inp);
unsigned long minnow_tcp_timewait_reused(void);

/* minnow_tcp_isn (LWIP_HOOK_TCP_ISN) is declared in lwipopts.h. */
