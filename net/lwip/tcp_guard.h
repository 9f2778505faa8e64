/* TCP under load and abuse (net/lwip/tcp_guard.c): receive buffers no
 * connection can monopolise, and SYN cookies with a bounded half-open
 * queue. */
#pragma once
#include <stdint.h>

struct pbuf;
struct netif;
struct tcp_pcb;
struct tcp_hdr;
struct ip_hdr;

/* LWIP_HOOK_TCP_INPACKET_PCB (lwipopts.h): 0 to let the segment in, -1 to
 * drop it (receive buffers run short and this connection holds unread data
 * already). */
int minnow_tcp_guard_inpkt(struct tcp_pcb *pcb, struct pbuf *p);

/* From the IPv4 input hook (tcp_timewait.c), for a TCP segment whose
 * headers are in the first pbuf: answers a SYN with a cookie when the
 * listener's half-open queue is full, and turns an ACK that carries a valid
 * cookie into a connection. 1 when the packet was eaten (freed), 0 when
 * lwIP goes on with it. */
int minnow_tcp_guard_input(struct pbuf *p, struct netif *inp, const struct ip_hdr *ip,
                           const struct tcp_hdr *th, uint16_t hlen);

/* While a cookie is turning into a connection: 1 and *iss, the ISN lwIP
 * must give it (tcp_timewait.c's ISN hook asks); 0 otherwise. */
int minnow_tcp_guard_iss(uint32_t *iss);

struct tcp_guard_stats {
    uint64_t rx_reserve;        /* segments dropped: buffers short, the connection holds unread data */
    uint64_t cookies_sent;      /* SYN-ACKs with a cookie (half-open queue full) */
    uint64_t cookies_ok;        /* connections made from a returned cookie */
    uint64_t halfopen_evicted;  /* half-open connections dropped, oldest first, to make room */
};
void minnow_tcp_guard_stats(struct tcp_guard_stats *s);
