#pragma once
#include <stdbool.h>
struct netif;
/* The carrier of netif's NIC is back after a loss during which lwIP's
 * link flag stayed up (carrier.c): DHCP reconfirms its lease (when dhcp),
 * a gratuitous ARP goes out, and every TCP connection on the netif with
 * data in flight retransmits now. Core lock held. Returns how many
 * connections retransmitted. */
unsigned carrier_back(struct netif *netif, bool dhcp);
