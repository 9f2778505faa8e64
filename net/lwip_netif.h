/* lwIP on minnow's NICs: one lwIP netif per registered netdev
 * (net/netdev.h), configured by DHCP or by `ip= gw= dns=` on the command
 * line. net_init() starts the stack; it does not wait for addresses:
 * applications that need one call net_wait_addr(). */
#pragma once
#include <stddef.h>
#include <stdint.h>

/* Starts lwIP's tcpip thread and brings up every registered netdev (the
 * INIT_STACK hook); with no NIC yet, the first one registered starts it. */
void net_init(void);
/* Whether the stack runs. */
int net_ready(void);
/* Waits until the stack runs (sockets can be made), or timeout_ns passes:
 * 0 or -ENODEV. A server listens on the any-address as soon as it can,
 * before its NIC has an address: a connection that arrives the moment the
 * address is bound (dhcp_hold.c replays it then) finds the listener. */
int net_wait_stack(uint64_t timeout_ns);
/* Waits until the named NIC ("eth0") has an IPv4 address, or timeout_ns
 * passes: 0, -ENODEV (no such NIC or no stack), -ETIMEDOUT. */
int net_wait_addr(const char *name, uint64_t timeout_ns);
/* The IPv4 address of the NIC `name` as text, "?" when it has no netif. */
void net_addr_str(const char *name, char *buf, size_t size);
/* TCP/UDP packets received on NIC `name` whose checksums lwIP checked in
 * software because the device had not verified them. */
uint64_t net_rx_csum_sw(const char *name);
/* The IPv4 gateway of NIC `name` in network order, 0 when none. */
uint32_t net_gw(const char *name);

/* The glue's counters for NIC `name` (the shell's `ip` prints them too). */
struct net_nic_counters {
    uint64_t rx_nobuf;          /* received frames dropped: no pool pbuf to copy into */
    uint64_t rx_noqueue;        /* received frames dropped: no tcpip message or a full mailbox */
    uint64_t rx_bad_src;        /* IPv4 packets dropped for a source no wire may carry */
    uint64_t tx_nocarrier;      /* frames dropped because the carrier was down */
    uint64_t carrier_losses;    /* carrier losses that connections outlived */
    uint64_t carrier_rexmit;    /* connections that retransmitted when the carrier came back */
};
/* 0, or -ENODEV when `name` has no netif. */
int net_nic_counters(const char *name, struct net_nic_counters *c);
